import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haproxyConfig, nginxConfig } from '../../scripts/lb-config.mjs';
import { freePorts } from '../infra/free-port.js';
import { type HaproxyServer, type HaproxyServerStat, startHaproxy } from '../infra/haproxy.js';
import { sleep } from '../infra/managed-process.js';
import { type NginxServer, startNginx } from '../infra/nginx.js';
import { type RedisServer, startRedis } from '../infra/redis-server.js';
import { agentWeightOf, readAgent, refusedUpgrade } from '../support/agent.js';
import { eventually, type GatewayProcess, startGatewayProcess } from '../support/gateway-process.js';
import { getJson } from '../support/http.js';
import { isMessageOn, TestClient } from '../support/test-client.js';

/**
 * Three real nodes on a real Redis behind real HAProxy and nginx, both running the
 * shipped configs (deploy/) rendered for free loopback ports, with check intervals
 * shortened so the suite stays quick. Tests run in order and share the cluster; the
 * destructive ones (drain, kill) come last. The measured figures are printed.
 */
const MAX_CONNECTIONS = 400;
const CHECK_INTERVAL = '250ms';
const BACKEND = 'switchboard_nodes';

describe('3 nodes on Redis behind HAProxy and nginx (the shipped configs)', () => {
  let redis: RedisServer;
  let nodes: [GatewayProcess, GatewayProcess, GatewayProcess];
  let agentPorts: number[];
  let haproxy: HaproxyServer;
  let nginx: NginxServer;
  /** Every client a test opened, closed at the end. */
  const opened: TestClient[] = [];
  /** The 300 connections of the spread test, kept open for the later ones. */
  let spread: TestClient[] = [];

  const viaHaproxy = () => `ws://127.0.0.1:${haproxy.port}/ws`;
  const viaNginx = () => `ws://127.0.0.1:${nginx.port}/ws`;
  const nodeOf = (client: TestClient) => client.welcome.data.node as string;
  const isOpen = (client: TestClient) => client.socket.readyState === client.socket.OPEN;
  const stat = async (node: GatewayProcess): Promise<HaproxyServerStat> => (await haproxy.servers(BACKEND)).find((s) => s.name === node.nodeId)!;
  const weights = async () => Promise.all(agentPorts.map(async (port) => agentWeightOf(await readAgent(port))));

  async function connect(url: string): Promise<TestClient> {
    const client = await TestClient.connect(url);
    opened.push(client);
    return client;
  }

  /** A browser-like client, sending the Origin of the page it came from. */
  async function connectFrom(url: string, origin: string): Promise<TestClient> {
    const client = await TestClient.connect(url, { origin });
    opened.push(client);
    return client;
  }

  /** `count` connections, 25 at a time (the way a burst of real clients arrives). */
  async function connectMany(url: string, count: number): Promise<TestClient[]> {
    const clients: TestClient[] = [];
    for (let start = 0; start < count; start += 25) {
      clients.push(...(await Promise.all(Array.from({ length: Math.min(25, count - start) }, () => connect(url)))));
    }
    return clients;
  }

  function countByNode(clients: TestClient[]): Record<string, number> {
    const counts: Record<string, number> = Object.fromEntries(nodes.map((node) => [node.nodeId, 0]));
    for (const client of clients) counts[nodeOf(client)] = (counts[nodeOf(client)] ?? 0) + 1;
    return counts;
  }

  /** Subscribes everyone, publishes once through `publisher`, and expects it on every subscriber. */
  async function expectBroadcastReachesAll(subscribers: TestClient[], publisher: TestClient, channel: string): Promise<void> {
    await Promise.all(subscribers.map((client) => client.subscribe(channel)));
    expect(await publisher.request('publish', { channel, payload: { via: 'lb' } })).toMatchObject({ event: 'published' });
    const frames = await Promise.all(subscribers.map((client) => client.next(isMessageOn(channel), 10_000)));
    for (const frame of frames) expect(frame.data).toMatchObject({ channel, payload: { via: 'lb' }, node: nodeOf(publisher) });
  }

  beforeAll(async () => {
    redis = await startRedis();
    agentPorts = await freePorts(3);
    nodes = (await Promise.all(
      ['a', 'b', 'c'].map((name, i) =>
        startGatewayProcess({
          TRANSPORT: 'redis',
          REDIS_URL: redis.url,
          REDIS_PREFIX: 'lb:',
          NODE_ID: `lb-${name}`,
          NODE_HEARTBEAT_MS: '300',
          AGENT_PORT: String(agentPorts[i]),
          MAX_CONNECTIONS: String(MAX_CONNECTIONS),
          DRAIN_DELAY_MS: '1000',
          DRAIN_BATCH: '20',
          DRAIN_INTERVAL_MS: '50',
          SHUTDOWN_TIMEOUT_MS: '15000',
        }),
      ),
    )) as [GatewayProcess, GatewayProcess, GatewayProcess];
    for (const node of nodes) await eventually(async () => (await getJson(`${node.http}/health/ready`)).status === 200, 30_000);
    for (const node of nodes) await eventually(async () => (await getJson(`${node.http}/api/nodes`)).body.length === 3, 10_000);

    haproxy = await startHaproxy(({ port, statsPort, dir }) =>
      haproxyConfig({
        bind: `127.0.0.1:${port}`,
        statsBind: `127.0.0.1:${statsPort}`,
        runDir: dir,
        servers: nodes.map((node, i) => ({ name: node.nodeId, address: `127.0.0.1:${node.port}`, agentPort: agentPorts[i]! })),
        defaultServer: { inter: CHECK_INTERVAL, 'agent-inter': CHECK_INTERVAL },
      }),
    );
    nginx = await startNginx(({ port, dir }) =>
      nginxConfig({ listen: `127.0.0.1:${port}`, runDir: dir, servers: nodes.map((node) => ({ address: `127.0.0.1:${node.port}` })) }),
    );
    await eventually(async () => (await haproxy.servers(BACKEND)).every((s) => s.status === 'UP' && s.weight > 0), 15_000);
  });

  afterAll(async () => {
    opened.forEach((client) => client.close());
    await Promise.all([...(nodes ?? []).map((node) => node.kill()), haproxy?.stop(), nginx?.stop()]);
    await redis?.stop();
  });

  it('HAProxy spreads 300 connections over the 3 nodes within ±20% of even', { timeout: 60_000 }, async () => {
    spread = await connectMany(viaHaproxy(), 300);
    const counts = countByNode(spread);
    console.log(`[haproxy] spread of 300 connections (even: 100, allowed 80-120): ${Object.entries(counts).map(([id, n]) => `${id} ${n}`).join(', ')}`);
    for (const node of nodes) {
      expect(counts[node.nodeId]).toBeGreaterThanOrEqual(80);
      expect(counts[node.nodeId]).toBeLessThanOrEqual(120);
    }
  });

  it('a message published through one HAProxy connection reaches subscribers on every node', async () => {
    expect(Object.values(countByNode(spread)).every((n) => n > 0)).toBe(true);
    await expectBroadcastReachesAll(spread, spread[0]!, 'lb-haproxy-all');
    // A page served through the proxy passes the nodes' same-origin check.
    expect(nodeOf(await connectFrom(viaHaproxy(), `http://127.0.0.1:${haproxy.port}`))).toMatch(/^lb-/);
  });

  it('a node holding more connections gets a lower agent weight, and HAProxy applies it', async () => {
    const [a, b, c] = nodes;
    const before = await weights();
    const onA = countByNode(spread)[a.nodeId]! + 100;
    const extra = await connectMany(a.ws, 100);
    try {
      const [wa, wb, wc] = await eventually(async () => {
        const now = await weights();
        return now[0]! < now[1]! && now[0]! < now[2]! ? now : undefined;
      });
      const applied = await eventually(async () => {
        const [sa, sb, sc] = [await stat(a), await stat(b), await stat(c)];
        return sa.weight === wa && sa.weight < sb.weight && sa.weight < sc.weight ? [sa.weight, sb.weight, sc.weight] : undefined;
      }, 5000);
      console.log(`[haproxy] agent weights before ${before.join('/')}%, with 100 more connections on ${a.nodeId}: ${wa}/${wb}/${wc}% (HAProxy weights ${applied.join('/')})`);
      // The free share of MAX_CONNECTIONS, or less if the event loop lags.
      expect(wa).toBeLessThanOrEqual(Math.round(100 * (1 - onA / MAX_CONNECTIONS)));
    } finally {
      extra.forEach((client) => client.close());
      await Promise.all(extra.map((client) => client.closed));
    }
  });

  it('nginx: a message published through one connection reaches subscribers on every node', async () => {
    const clients = await connectMany(viaNginx(), 30);
    const counts = countByNode(clients);
    console.log(`[nginx] spread of 30 connections: ${Object.entries(counts).map(([id, n]) => `${id} ${n}`).join(', ')}`);
    for (const node of nodes) expect(counts[node.nodeId]).toBeGreaterThan(0);
    await expectBroadcastReachesAll(clients, clients[0]!, 'lb-nginx-all');
    // A page served through the proxy passes the nodes' same-origin check: the Host header keeps its port.
    const browser = await connectFrom(viaNginx(), `http://127.0.0.1:${nginx.port}`);
    expect(nodeOf(browser)).toMatch(/^lb-/);
    // …and reaches the HAProxy clients too: one cluster, whichever proxy a client came through.
    await Promise.all(spread.slice(0, 30).map((client) => client.subscribe('lb-nginx-all')));
    await clients[1]!.request('publish', { channel: 'lb-nginx-all', payload: 'both' });
    await Promise.all(spread.slice(0, 30).map((client) => client.next((f) => isMessageOn('lb-nginx-all')(f) && f.data.payload === 'both')));
    clients.forEach((client) => client.close());
  });

  it('a node at MAX_CONNECTIONS answers upgrades 503, and both proxies land them on the others', { timeout: 60_000 }, async () => {
    const [a] = nodes;
    const server = `${BACKEND}/${a.nodeId}`;
    // Freeze HAProxy's view of A as an idle, full-weight node, so HAProxy keeps choosing it
    // and only the node's own 503 can send upgrades elsewhere.
    await haproxy.command(`disable agent ${server}`);
    await haproxy.command(`disable health ${server}`);
    await haproxy.command(`set weight ${server} 100`);
    const fill: TestClient[] = [];
    try {
      for (let attempts = 0; attempts < MAX_CONNECTIONS + 10; attempts++) {
        const client = await connect(a.ws).catch(() => undefined);
        if (!client) break;
        fill.push(client);
      }
      const refused = await refusedUpgrade(a.ws);
      expect(refused).toMatchObject({ status: 503, headers: { 'retry-after': '1' } });

      const retriesBefore = (await stat(a)).retries;
      const viaH = [];
      for (let i = 0; i < 20; i++) viaH.push(await connect(viaHaproxy()));
      const retried = (await stat(a)).retries - retriesBefore;
      const viaN = [];
      for (let i = 0; i < 20; i++) viaN.push(await connect(viaNginx()));
      console.log(`[haproxy] ${a.nodeId} full (${fill.length} more connections to reach ${MAX_CONNECTIONS}): 20 upgrades through HAProxy landed on ${JSON.stringify(countByNode(viaH))} after ${retried} retries on the full node; 20 through nginx on ${JSON.stringify(countByNode(viaN))}`);
      expect([...viaH, ...viaN].filter((client) => nodeOf(client) === a.nodeId)).toEqual([]);
      expect(retried).toBeGreaterThan(0);
      [...viaH, ...viaN].forEach((client) => client.close());
    } finally {
      await haproxy.command(`enable health ${server}`);
      await haproxy.command(`enable agent ${server}`);
    }
    // With its checks back, HAProxy sees the full node itself: readiness 503, agent 0%.
    await eventually(async () => {
      const s = await stat(a);
      return s.status.startsWith('DOWN') && s.weight === 0;
    }, 5000);
    fill.forEach((client) => client.close());
    await Promise.all(fill.map((client) => client.closed));
    await eventually(async () => {
      const s = await stat(a);
      return s.status === 'UP' && s.weight > 0;
    }, 5000);
  });

  it('a drained node gets no new connections; its clients get 1012 (none 1006) and reconnect elsewhere', { timeout: 60_000 }, async () => {
    const [, b] = nodes;
    const doomed = opened.filter((client) => isOpen(client) && nodeOf(client) === b.nodeId);
    expect(doomed.length).toBeGreaterThan(50);
    const started = Date.now();
    const closes = doomed.map((client) => client.closed.then(({ code }) => ({ code, at: Date.now() - started })));
    b.process.child.kill('SIGTERM');

    // New clients keep arriving while it drains: none may land on it, none may fail.
    const landed: string[] = [];
    let takenOutAt: number | undefined;
    while (b.process.isRunning() && Date.now() - started < 20_000) {
      const client = await connect(viaHaproxy());
      landed.push(nodeOf(client));
      client.close();
      if (takenOutAt === undefined && (await stat(b)).status !== 'UP') takenOutAt = Date.now() - started;
      await sleep(25);
    }
    const exit = await b.process.exited;
    const exitedAt = Date.now() - started;
    const results = await Promise.all(closes);
    const at = results.map((r) => r.at).sort((x, y) => x - y);
    console.log(
      `[haproxy] drain of ${b.nodeId}: out of rotation in HAProxy after ${takenOutAt} ms; ${doomed.length} clients closed with ` +
        `${[...new Set(results.map((r) => r.code))].join(',')} from ${at[0]} to ${at.at(-1)} ms after SIGTERM (DRAIN_DELAY_MS 1000, 20 every 50 ms); ` +
        `process exited ${exit.code} after ${exitedAt} ms; ${landed.length} new connections meanwhile, ${landed.filter((n) => n === b.nodeId).length} on it`,
    );
    expect(landed.length).toBeGreaterThan(5);
    expect(landed.filter((id) => id === b.nodeId)).toEqual([]);
    expect(results.map((r) => r.code)).toEqual(Array(doomed.length).fill(1012));
    expect(exit).toMatchObject({ code: 0, signal: null });

    const back = await connectMany(viaHaproxy(), doomed.length);
    expect(back.filter((client) => nodeOf(client) === b.nodeId)).toEqual([]);
    await expectBroadcastReachesAll(back, back[0]!, 'lb-after-drain');
  });

  it('a killed node: HAProxy marks it down, its clients reconnect through HAProxy and receive broadcasts again', { timeout: 60_000 }, async () => {
    const [a, , c] = nodes;
    const victims = opened.filter((client) => isOpen(client) && nodeOf(client) === c.nodeId);
    expect(victims.length).toBeGreaterThan(50);
    const started = Date.now();
    // Each client reconnects through HAProxy as soon as it loses its connection, like a real client would.
    const reconnected = victims.map(async (client) => {
      await client.closed;
      for (let attempt = 0; ; attempt++) {
        try {
          const fresh = await connect(viaHaproxy());
          await fresh.subscribe('lb-after-kill');
          return { client: fresh, at: Date.now() - started };
        } catch (error) {
          if (attempt >= 50) throw error;
          await sleep(100);
        }
      }
    });
    await c.kill();
    const markedDown = eventually(async () => ((await stat(c)).status.startsWith('DOWN') ? Date.now() - started : undefined), 10_000, 20);
    const results = await Promise.all(reconnected);
    const back = results.map((r) => r.client);
    const reconnectedAt = Math.max(...results.map((r) => r.at));
    const publisher = await connect(viaHaproxy());
    await publisher.request('publish', { channel: 'lb-after-kill', payload: 'still here' });
    await Promise.all(back.map((client) => client.next(isMessageOn('lb-after-kill'))));
    const deliveredAt = Date.now() - started;
    const downAt = await markedDown;
    console.log(
      `[haproxy] failover after SIGKILL of ${c.nodeId}: marked DOWN after ${downAt} ms; all ${victims.length} clients reconnected ` +
        `through HAProxy and resubscribed within ${reconnectedAt} ms; a broadcast reached all of them ${deliveredAt} ms after the kill`,
    );
    expect(back.every((client) => nodeOf(client) === a.nodeId)).toBe(true);
  });
});
