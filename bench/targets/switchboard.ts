import { GATEWAY_MAIN } from '../lib/build-app.js';
import type { Bus } from '../lib/buses.js';
import { httpOk, type NodeProcess, startNodeProcess } from './node-process.js';
import type { Cluster, Target } from './target.js';

/**
 * Switchboard nodes from the bench's own build of the working tree (bench/.build), with the
 * limits ON as users run them, only set high enough not to throttle the bench: the
 * per-connection rate limit (the publisher sends thousands of messages a second on one
 * connection), the per-IP connection cap (every client comes from loopback) and the
 * slow-consumer buffer.
 */
export const BENCH_LIMITS: Record<string, string> = {
  RATE_LIMIT_PER_SEC: '1000000',
  RATE_LIMIT_BURST: '1000000',
  MAX_CONNECTIONS_PER_IP: '0',
  MAX_BUFFERED_BYTES: String(64 * 1024 * 1024),
  ALLOWED_ORIGINS: '*',
  LOG_LEVEL: 'warn',
  DRAIN_DELAY_MS: '0',
};

export const switchboard: Target = {
  id: 'switchboard',
  label: 'Switchboard',
  protocol: 'json',
  buses: ['none', 'redis', 'kafka'],
  async start(nodes: number, bus: Bus, env: Record<string, string> = {}): Promise<Cluster> {
    const transport: Record<string, string> =
      bus.kind === 'redis'
        ? { TRANSPORT: 'redis', REDIS_URL: bus.url! }
        : bus.kind === 'kafka'
          ? { TRANSPORT: 'kafka', KAFKA_BROKERS: bus.brokers! }
          : { TRANSPORT: 'memory' };
    const procs: NodeProcess[] = await Promise.all(
      Array.from({ length: nodes }, (_, i) =>
        startNodeProcess({
          name: `switchboard#${i + 1}`,
          script: GATEWAY_MAIN,
          typescript: false,
          env: (port) => ({ ...BENCH_LIMITS, ...transport, ...env, HOST: '127.0.0.1', PORT: String(port), NODE_ID: `sb-${i + 1}` }),
          ready: (port) => httpOk(`http://127.0.0.1:${port}/health/ready`),
          readyTimeoutMs: bus.kind === 'kafka' ? 120_000 : 60_000,
        }),
      ),
    );
    return {
      urls: procs.map((p) => `ws://127.0.0.1:${p.port}/ws`),
      httpUrls: procs.map((p) => `http://127.0.0.1:${p.port}`),
      watched: procs.map((p) => ({ role: 'server', name: p.name, pid: p.pid })),
      async memory(node) {
        const proc = procs[node]!;
        const text = await (await fetch(`http://127.0.0.1:${proc.port}/metrics`)).text();
        const match = /^switchboard_nodejs_heap_size_used_bytes(?:\{[^}]*\})? ([\d.e+]+)/m.exec(text);
        return { rss: proc.rss(), heapUsed: match ? Number(match[1]) : undefined };
      },
      stop: async () => {
        await Promise.all(procs.map((p) => p.stop()));
      },
    };
  },
};
