import { connect } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NodeLifecycle } from '#libs/health';
import { TRANSPORT, type Transport } from '#libs/transport';
import { freePort } from '../infra/free-port.js';
import { sleep } from '../infra/managed-process.js';
import { agentWeightOf, readAgent, refusedUpgrade } from '../support/agent.js';
import { eventually, type GatewayProcess, startGatewayProcess } from '../support/gateway-process.js';
import { getJson } from '../support/http.js';
import { type InProcessNode, startInProcessNode } from '../support/in-process-node.js';
import { isMessageOn, TestClient } from '../support/test-client.js';

const metric = (text: string, line: string) => {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
};
const scrape = async (node: { http: string }) => (await fetch(`${node.http}/metrics`)).text();

describe('what a load balancer sees of one node', () => {
  let node: InProcessNode;
  let agentPort: number;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    agentPort = await freePort();
    node = await startInProcessNode({ NODE_ID: 'lb-node', AGENT_PORT: String(agentPort), MAX_CONNECTIONS: '4' });
  });
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await node.close();
  });

  it('agent-check: a lower weight as connections fill MAX_CONNECTIONS, 0% when full', async () => {
    const idle = agentWeightOf(await readAgent(agentPort));
    for (let i = 0; i < 2; i++) clients.push(await TestClient.connect(node.ws));
    const half = agentWeightOf(await readAgent(agentPort));
    expect(idle).toBeGreaterThan(half!);
    expect(half).toBeLessThanOrEqual(50);
    expect(half).toBeGreaterThan(0);
    for (let i = 0; i < 2; i++) clients.push(await TestClient.connect(node.ws));
    expect(await readAgent(agentPort)).toBe('ready up 0%\n');
  });

  it('at MAX_CONNECTIONS: upgrades get a fast 503 with Retry-After, readiness says why, and a freed slot is taken again', async () => {
    const refused = await refusedUpgrade(node.ws);
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body).toMatch(/MAX_CONNECTIONS/);
    const ready = await getJson(`${node.http}/health/ready`);
    expect(ready.status).toBe(503);
    expect(ready.body.error.connections).toEqual({ open: 4, max: 4, status: 'down' });
    expect(metric(await scrape(node), 'switchboard_connections_rejected_total{reason="capacity"}')).toBe(1);

    const leaving = clients.pop()!;
    leaving.close();
    await leaving.closed;
    await eventually(async () => (await getJson(`${node.http}/health/ready`)).status === 200);
    clients.push(await TestClient.connect(node.ws));
    await expect(refusedUpgrade(node.ws)).resolves.toMatchObject({ status: 503 });
  });

  it('agent-check survives peers that reset their sockets or send junk', async () => {
    const abusers = Array.from({ length: 40 }, (_, i) =>
      new Promise<void>((resolve) => {
        const socket = connect({ host: '127.0.0.1', port: agentPort });
        socket.on('error', () => resolve());
        socket.once('close', () => resolve());
        socket.once('connect', () => {
          // HAProxy closes agent sockets with a RST; half of these do that straight away.
          if (i % 2 === 0) socket.resetAndDestroy();
          else socket.end('agent-send junk\r\n'.repeat(100), () => socket.resetAndDestroy());
        });
      }),
    );
    await Promise.all(abusers);
    await sleep(100);
    expect(await readAgent(agentPort)).toBe('ready up 0%\n');
    expect((await getJson(`${node.http}/health/live`)).status).toBe(200);
  });
});

describe('agent-check and health while the bus is down and while draining', () => {
  let node: InProcessNode;
  let agentPort: number;

  beforeAll(async () => {
    agentPort = await freePort();
    node = await startInProcessNode({ NODE_ID: 'lb-states', AGENT_PORT: String(agentPort) });
  });
  afterAll(() => node.close());

  it('bus down: agent says down, readiness 503, liveness still 200 (it depends on nothing external)', async () => {
    const transport = node.app.get<Transport>(TRANSPORT);
    expect(agentWeightOf(await readAgent(agentPort))).toBeGreaterThan(0);
    await transport.stop();
    try {
      expect(await readAgent(agentPort)).toBe('down #transport not ready\n');
      const ready = await getJson(`${node.http}/health/ready`);
      expect(ready.status).toBe(503);
      expect(ready.body.error.transport.status).toBe('down');
      const live = await getJson(`${node.http}/health/live`);
      expect(live.status).toBe(200);
      expect(live.body.details.eventLoop).toMatchObject({ status: 'up', limitMs: 1000, p99Ms: expect.any(Number), maxMs: expect.any(Number) });
    } finally {
      await transport.start();
    }
    expect(agentWeightOf(await readAgent(agentPort))).toBeGreaterThan(0);
  });

  it('draining: agent says drain, readiness and upgrades 503', async () => {
    node.app.get(NodeLifecycle).startDraining();
    expect(await readAgent(agentPort)).toBe('drain\n');
    expect((await getJson(`${node.http}/health/ready`)).body.error.drain).toEqual({ status: 'down', draining: true });
    expect(await refusedUpgrade(node.ws)).toMatchObject({ status: 503, headers: { 'retry-after': '1' } });
  });
});

describe('metrics', () => {
  let node: InProcessNode;
  beforeAll(async () => {
    node = await startInProcessNode({ NODE_ID: 'metrics-node' });
  });
  afterAll(() => node.close());

  it('counts one broadcast once per node (not per subscriber), its bytes, and the bus traffic', async () => {
    const subscribers = await Promise.all([1, 2, 3].map(() => TestClient.connect(node.ws)));
    await Promise.all(subscribers.map((client) => client.subscribe('metered')));
    const publisher = await TestClient.connect(node.ws);
    await publisher.request('publish', { channel: 'metered', payload: 'é'.repeat(10) });
    const frames = await Promise.all(subscribers.map((client) => client.next(isMessageOn('metered'))));
    const frameBytes = Buffer.byteLength(JSON.stringify(frames[0]));

    const text = await scrape(node);
    expect(metric(text, 'switchboard_broadcast_latency_seconds_count')).toBe(1);
    expect(metric(text, 'switchboard_broadcast_latency_seconds_bucket{le="+Inf"}')).toBe(1);
    expect(metric(text, 'switchboard_messages_sent_total{event="message"}')).toBe(3);
    expect(metric(text, 'switchboard_transport_published_total{type="broadcast"}')).toBe(1);
    expect(metric(text, 'switchboard_transport_received_total')).toBe(1);
    expect(metric(text, 'switchboard_sent_bytes_total')).toBeGreaterThanOrEqual(3 * frameBytes);
    expect(metric(text, 'switchboard_received_bytes_total')).toBeGreaterThan(0);
    expect(metric(text, 'switchboard_transport_ready')).toBe(1);
    expect(metric(text, 'switchboard_draining')).toBe(0);
    expect(metric(text, 'switchboard_max_connections')).toBe(0);
    expect(text).toMatch(/^# TYPE switchboard_slow_consumer_closes_total counter$/m);
    expect(metric(text, 'switchboard_transport_reconnects_total')).toBe(0);
    // Channel names never become labels: their number is unbounded.
    expect(text).not.toMatch(/metered/);

    publisher.close();
    await publisher.closed;
    await eventually(async () => metric(await scrape(node), 'switchboard_connections_closed_total{code="1005"}') === 1);
    subscribers.forEach((client) => client.close());
  });
});

describe('drain of a real node process', () => {
  let node: GatewayProcess | undefined;
  afterEach(async () => {
    await node?.kill();
  });

  it('SIGTERM: not ready and agent `drain` at once, clients kept for DRAIN_DELAY_MS, then closed with 1012 in paced batches, exit 0', async () => {
    const agentPort = await freePort();
    node = await startGatewayProcess({
      AGENT_PORT: String(agentPort),
      DRAIN_DELAY_MS: '1500',
      DRAIN_BATCH: '5',
      DRAIN_INTERVAL_MS: '100',
      SHUTDOWN_TIMEOUT_MS: '10000',
      LOG_LEVEL: 'info',
    });
    const clients = await Promise.all(Array.from({ length: 22 }, () => TestClient.connect(node!.ws)));
    const codes: number[] = [];
    clients.forEach((client) => void client.closed.then(({ code }) => codes.push(code)));

    node.process.child.kill('SIGTERM');
    await eventually(async () => (await getJson(`${node!.http}/health/ready`)).status === 503, 5000, 20);
    expect(await readAgent(agentPort)).toBe('drain\n');
    expect((await refusedUpgrade(node.ws)).status).toBe(503);
    // The balancer has had its signals; the clients are all still connected.
    expect(codes).toEqual([]);

    await Promise.all(clients.map((client) => client.closed));
    expect(codes).toEqual(Array(22).fill(1012));
    expect(await node.process.exited).toMatchObject({ code: 0, signal: null });
    const logs = node.logs();
    expect(logs).toMatch(/closing 22 connections with 1012, 5 every 100 ms/);
    expect(logs).toMatch(/22 connections closed in 5 batches/);
  });

  it('a taken AGENT_PORT stops the node at start-up, naming it', async () => {
    const taken = await freePort();
    const holder = (await import('node:net')).createServer().listen(taken, '127.0.0.1');
    await new Promise((resolve) => holder.once('listening', resolve));
    try {
      await expect(startGatewayProcess({ AGENT_PORT: String(taken) })).rejects.toThrow(new RegExp(`AGENT_PORT ${taken}.*EADDRINUSE`));
    } finally {
      holder.close();
    }
  });
});
