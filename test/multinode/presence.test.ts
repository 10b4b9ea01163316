import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type GatewayProcess, startGatewayProcess } from '../support/gateway-process.js';
import { getJson, postJson } from '../support/http.js';
import { isMessageOn, TestClient } from '../support/test-client.js';
import { hsToken, SECRET } from '../support/tokens.js';
import type { ClusterBus } from './buses/bus.js';
import { startKafkaBus } from './buses/kafka.bus.js';
import { startRedisBus } from './buses/redis.bus.js';

/**
 * Presence and server-side control across three real node processes on a real bus:
 * joins and leaves seen from every node, a SIGKILLed node's entries gone within 3
 * heartbeats (measured and printed), and every server API call reaching a connection
 * held by another node.
 */
const buses: Array<[string, () => Promise<ClusterBus>]> = [
  ['redis', startRedisBus],
  ['kafka', startKafkaBus],
];

const HEARTBEAT_MS = 300;
const KEY = { authorization: 'Bearer k3y' };

describe.each(buses)('presence and server control, 3 nodes on %s', (name, startBus) => {
  let bus: ClusterBus;
  let nodes: GatewayProcess[];
  const clients: TestClient[] = [];
  const connectAs = async (node: GatewayProcess, sub: string, info?: Record<string, unknown>) => {
    const token = await hsToken({ sub, channels: ['*'], ...(info ? { presence: info } : {}) });
    const client = await TestClient.connect(node.ws, { headers: { authorization: `Bearer ${token}` } });
    clients.push(client);
    return client;
  };
  const presenceOn = async (node: GatewayProcess, channel: string) => (await getJson(`${node.http}/api/channels/${channel}/presence`, KEY)).body;

  beforeAll(async () => {
    bus = await startBus();
    const env = { ...bus.env, NODE_HEARTBEAT_MS: String(HEARTBEAT_MS), PRESENCE_CHANNELS: 'room:*', API_KEY: 'k3y', AUTH_JWT_SECRET: SECRET, RATE_LIMIT_BURST: '1000' };
    nodes = await Promise.all(['a', 'b', 'c'].map((n) => startGatewayProcess({ ...env, NODE_ID: `${bus.name}-p${n}` })));
    for (const node of nodes) await eventually(async () => (await getJson(`${node.http}/health/ready`)).status === 200, 30_000);
    for (const node of nodes) await eventually(async () => (await getJson(`${node.http}/api/nodes`)).body.length === 3, 10_000);
  });

  afterAll(async () => {
    clients.forEach((client) => client.close());
    await Promise.all(nodes.map((node) => node.kill()));
    await bus.stop();
  });

  it('every node lists joins on every node, with user, node and info, and tells opted-in subscribers of joins and leaves', async () => {
    const [a, b, c] = nodes as [GatewayProcess, GatewayProcess, GatewayProcess];
    const watcher = await connectAs(a, 'watcher');
    expect(await watcher.request('subscribe', { channel: 'room:1', presence: true })).toMatchObject({ event: 'subscribed' });
    await watcher.next((f) => f.event === 'join' && f.data.connectionId === watcher.welcome.data.connectionId);
    const started = performance.now();
    const onB = await connectAs(b, 'bob', { name: 'Bob' });
    await onB.subscribe('room:1');
    const joined = await watcher.next((f) => f.event === 'join' && f.data.userId === 'bob');
    console.log(`[${name}] presence join seen on another node after ${(performance.now() - started).toFixed(1)} ms (connect + subscribe included)`);
    expect(joined.data).toMatchObject({ channel: 'room:1', node: b.nodeId, info: { name: 'Bob' }, joinedAt: expect.any(Number) });
    const onC = await connectAs(c, 'bob');
    await onC.subscribe('room:1');
    for (const node of nodes) {
      await eventually(async () => (await presenceOn(node, 'room:1')).connections === 3, 5_000);
      expect(await presenceOn(node, 'room:1')).toMatchObject({ connections: 3, users: 2, truncated: false });
    }
    expect((await onC.request('presence_stats', { channel: 'room:1' })).data).toEqual({ channel: 'room:1', connections: 3, users: 2 });
    const listed = (await onC.request('presence', { channel: 'room:1' })).data.members.map((m: { node: string }) => m.node).sort();
    expect(listed).toEqual([a.nodeId, b.nodeId, c.nodeId].sort());
    expect(await onB.request('unsubscribe', { channel: 'room:1' })).toMatchObject({ event: 'unsubscribed' });
    expect((await watcher.next((f) => f.event === 'leave')).data).toMatchObject({ userId: 'bob', node: b.nodeId });
    await eventually(async () => (await presenceOn(c, 'room:1')).connections === 2, 5_000);
  });

  it('measures the cost of presence per subscribe (one awaited control publish)', async () => {
    const client = await connectAs(nodes[0]!, 'timer');
    const time = async (channel: string) => {
      const started = performance.now();
      await client.subscribe(channel);
      return performance.now() - started;
    };
    const rounds = 30;
    let plain = 0;
    let withPresence = 0;
    for (let i = 0; i < rounds; i++) {
      plain += await time(`plain:${i}`);
      withPresence += await time(`room:cost${i}`);
    }
    console.log(`[${name}] subscribe round trip: ${((plain / rounds) * 1000).toFixed(0)} µs without presence, ${((withPresence / rounds) * 1000).toFixed(0)} µs with (1 extra bus round trip)`);
  });

  it('POST /api/subscribe, /api/unsubscribe and /api/disconnect reach connections on the other nodes', async () => {
    const [a, b, c] = nodes as [GatewayProcess, GatewayProcess, GatewayProcess];
    const [onB, onC] = [await connectAs(b, 'dave'), await connectAs(c, 'dave')];
    const subscribed = await postJson(`${a.http}/api/subscribe`, { userId: 'dave', channel: 'news' }, KEY);
    expect(subscribed).toMatchObject({ status: 200, body: { affected: 2, nodes: nodes.map((n) => n.nodeId).sort(), unanswered: [] } });
    for (const client of [onB, onC]) await client.next((f) => f.event === 'subscribed' && f.data.channel === 'news');
    await postJson(`${a.http}/api/publish`, { channel: 'news', payload: 'extra' }, KEY);
    for (const client of [onB, onC]) expect((await client.next(isMessageOn('news'))).data.payload).toBe('extra');
    expect((await postJson(`${a.http}/api/unsubscribe`, { userId: 'dave', channel: 'news' }, KEY)).body.affected).toBe(2);
    for (const client of [onB, onC]) await client.next((f) => f.event === 'unsubscribed' && f.data.channel === 'news');
    const byId = await postJson(`${a.http}/api/disconnect`, { connectionId: onC.welcome.data.connectionId, code: 4003, reason: 'bye' }, KEY);
    expect(byId.body.affected).toBe(1);
    expect(await onC.closed).toEqual({ code: 4003, reason: 'bye' });
    expect((await postJson(`${c.http}/api/disconnect`, { userId: 'dave', code: 4004 }, KEY)).body.affected).toBe(1);
    expect((await onB.closed).code).toBe(4004);
    const bad = await postJson(`${a.http}/api/disconnect`, { userId: 'dave', code: 3000 }, KEY);
    expect(bad).toMatchObject({ status: 400, body: { statusCode: 400, code: 'BAD_REQUEST', message: expect.any(String) } });
  });

  it("drops a SIGKILLed node's entries within 3 heartbeats (staleness measured)", async () => {
    const [a, b, c] = nodes as [GatewayProcess, GatewayProcess, GatewayProcess];
    const onC = await connectAs(c, 'erin');
    await onC.subscribe('room:kill');
    const watcher = await connectAs(a, 'watcher2');
    await watcher.request('subscribe', { channel: 'room:kill', presence: true });
    await eventually(async () => (await presenceOn(b, 'room:kill')).connections === 2, 5_000);
    await c.kill();
    const killedAt = performance.now();
    const leave = watcher.next((f) => f.event === 'leave' && f.data.userId === 'erin', 10_000);
    await eventually(async () => (await presenceOn(b, 'room:kill')).connections === 1, 10_000, 20);
    const staleMs = performance.now() - killedAt;
    console.log(`[${name}] a SIGKILLed node's presence entries gone ${staleMs.toFixed(0)} ms after the kill (bound: 3 × ${HEARTBEAT_MS} ms after its last beat = ≤ ${3 * HEARTBEAT_MS + HEARTBEAT_MS} ms after the kill)`);
    expect(staleMs).toBeLessThanOrEqual(4 * HEARTBEAT_MS + 200);
    expect((await presenceOn(a, 'room:kill')).connections).toBe(1);
    // The node holding the watcher notices on its next read or sync; the leave follows.
    await presenceOn(a, 'room:kill');
    expect((await leave).data.node).toBe(c.nodeId);
    // A command now names only the two live nodes once the dead one is out of the view.
    await eventually(async () => (await getJson(`${a.http}/api/nodes`)).body.filter((n: { status?: string; gone?: boolean }) => !n.gone && n.status !== 'gone').length === 2, 5_000);
  });
});
