import { haproxyConfig } from '../../../scripts/lb-config.mjs';
import { freePorts } from '../../infra/free-port.js';
import { type HaproxyServer, startHaproxy } from '../../infra/haproxy.js';
import type { ExitInfo } from '../../infra/managed-process.js';
import { type RedisServer, startRedis } from '../../infra/redis-server.js';
import { eventually, type GatewayProcess, startGatewayProcess } from '../../support/gateway-process.js';
import { getJson } from '../../support/http.js';

const BACKEND = 'switchboard_nodes';

/**
 * Three node processes of the built app on a real Redis, behind a real HAProxy running
 * the shipped deploy/haproxy/haproxy.cfg (rendered for these ports, checks every 250 ms
 * as in test/loadbalancer). Nodes restart on their own port and agent port, so the
 * balancer's server list stays true across restarts.
 */
export interface BalancedCluster {
  redis: RedisServer;
  nodes: GatewayProcess[];
  haproxy: HaproxyServer;
  /** ws://… of the balancer's frontend. */
  ws: string;
  /** http://… of the balancer's frontend (the HTTP API through HAProxy). */
  http: string;
  /** SIGTERM (a drain) or SIGKILL the node, wait for its exit, start it again and wait until HAProxy sends it clients. */
  restart(index: number, how: 'drain' | 'kill'): Promise<{ exit: ExitInfo; downMs: number; upMs: number }>;
  /** The index of the node holding the most connections (from GET /api/nodes). */
  busiest(): Promise<number>;
  stop(): Promise<void>;
}

export async function startBalancedCluster(env: Record<string, string>, prefix: string): Promise<BalancedCluster> {
  const redis = await startRedis();
  const ports = await freePorts(6);
  const nodePorts = ports.slice(0, 3);
  const agentPorts = ports.slice(3);
  const names = ['a', 'b', 'c'].map((name) => `${prefix}-${name}`);
  const nodeEnv = (i: number) => ({
    TRANSPORT: 'redis',
    REDIS_URL: redis.url,
    REDIS_PREFIX: `${prefix}:`,
    NODE_ID: names[i]!,
    PORT: String(nodePorts[i]),
    AGENT_PORT: String(agentPorts[i]),
    NODE_HEARTBEAT_MS: '300',
    ...env,
  });
  const nodes = await Promise.all([0, 1, 2].map((i) => startGatewayProcess(nodeEnv(i))));
  const haproxy = await startHaproxy(({ port, statsPort, dir }) =>
    haproxyConfig({
      bind: `127.0.0.1:${port}`,
      statsBind: `127.0.0.1:${statsPort}`,
      runDir: dir,
      servers: nodes.map((node, i) => ({ name: node.nodeId, address: `127.0.0.1:${node.port}`, agentPort: agentPorts[i]! })),
      defaultServer: { inter: '250ms', 'agent-inter': '250ms' },
    }),
  );
  const upInHaproxy = async (name: string) => (await haproxy.servers(BACKEND)).some((s) => s.name === name && s.status === 'UP' && s.weight > 0);
  for (const node of nodes) await eventually(async () => (await getJson(`${node.http}/health/ready`)).status === 200, 30_000);
  await eventually(async () => (await Promise.all(names.map(upInHaproxy))).every(Boolean), 15_000);

  const cluster: BalancedCluster = {
    redis,
    nodes,
    haproxy,
    ws: `ws://127.0.0.1:${haproxy.port}/ws`,
    http: `http://127.0.0.1:${haproxy.port}`,
    async restart(index, how) {
      const started = Date.now();
      const node = nodes[index]!;
      const exit = await (how === 'drain' ? node.stop() : node.kill());
      const downMs = Date.now() - started;
      nodes[index] = await startGatewayProcess(nodeEnv(index));
      await eventually(async () => (await getJson(`${nodes[index]!.http}/health/ready`)).status === 200, 30_000, 50);
      await eventually(() => upInHaproxy(names[index]!), 15_000, 50);
      return { exit, downMs, upMs: Date.now() - started };
    },
    async busiest() {
      const { body } = await getJson(`${nodes[0]!.http}/api/nodes`);
      const counts = names.map((name) => (body as Array<{ id: string; connections: number }>).find((n) => n.id === name)?.connections ?? 0);
      return counts.indexOf(Math.max(...counts));
    },
    async stop() {
      await Promise.all([...nodes.map((node) => node.kill()), haproxy.stop()]);
      await redis.stop();
    },
  };
  return cluster;
}
