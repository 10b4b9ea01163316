import { fileURLToPath } from 'node:url';
import type { Bus } from '../lib/buses.js';
import { httpOk, type NodeProcess, startNodeProcess } from './node-process.js';
import type { Cluster, Target, TargetId } from './target.js';

/** The peers of bench/peers/, started like Switchboard's nodes: same ports, same readiness wait. */
function peer(id: TargetId, label: string, script: string, protocol: Target['protocol'], buses: Target['buses'], wsPath: string): Target {
  const path = fileURLToPath(new URL(`../peers/${script}`, import.meta.url));
  return {
    id,
    label,
    protocol,
    buses,
    async start(nodes: number, bus: Bus): Promise<Cluster> {
      const procs: NodeProcess[] = await Promise.all(
        Array.from({ length: nodes }, (_, i) =>
          startNodeProcess({
            name: `${id}#${i + 1}`,
            script: path,
            typescript: true,
            env: (port) => ({ PORT: String(port), NODE_ID: `${id}-${i + 1}`, ...(bus.url ? { REDIS_URL: bus.url } : {}) }),
            ready: (port) => httpOk(`http://127.0.0.1:${port}/bench/stats`),
          }),
        ),
      );
      return {
        urls: procs.map((p) => `ws://127.0.0.1:${p.port}${wsPath}`),
        httpUrls: procs.map((p) => `http://127.0.0.1:${p.port}`),
        watched: procs.map((p) => ({ role: 'server', name: p.name, pid: p.pid })),
        async memory(node) {
          const proc = procs[node]!;
          const stats = (await (await fetch(`http://127.0.0.1:${proc.port}/bench/stats`)).json()) as { heapUsed: number };
          return { rss: proc.rss(), heapUsed: stats.heapUsed };
        },
        stop: async () => {
          await Promise.all(procs.map((p) => p.stop()));
        },
      };
    },
  };
}

export const socketio = peer('socketio', 'socket.io + redis-adapter', 'socketio-server.ts', 'socketio', ['none', 'redis'], '/socket.io/?EIO=4&transport=websocket');
export const bridge = peer('bridge', 'ws + ioredis bridge', 'bridge-server.ts', 'json', ['redis'], '/');
/** The ceiling runs as one process whatever the workload asks: it has no bus. */
export const raw = peer('raw', 'raw ws (ceiling, 1 process, no bus)', 'raw-ws-server.ts', 'json', ['none'], '/');
