import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type GatewayProcess, startGatewayProcess } from '../support/gateway-process.js';
import { getJson, postJson } from '../support/http.js';
import { isMessageOn, TestClient } from '../support/test-client.js';
import type { ClusterBus } from './buses/bus.js';
import { startKafkaBus } from './buses/kafka.bus.js';
import { startRedisClusterBus } from './buses/redis-cluster.bus.js';
import { startRedisSentinelBus } from './buses/redis-sentinel.bus.js';
import { startRedisBus } from './buses/redis.bus.js';

/**
 * Three real node processes of the built app on one real bus, driven by real `ws`
 * clients: the cluster must behave as one server. Tests run in order and share the
 * cluster; the destructive ones come last.
 */
const buses: Array<[string, () => Promise<ClusterBus>]> = [
  ['redis', startRedisBus],
  ['redis-cluster', startRedisClusterBus],
  ['redis-sentinel', startRedisSentinelBus],
  ['kafka', startKafkaBus],
];

const HEARTBEAT_MS = 300;

describe.each(buses)('a 3-node cluster on %s', (_name, startBus) => {
  let bus: ClusterBus;
  let nodes: GatewayProcess[];
  const clients: TestClient[] = [];
  const connect = async (node: GatewayProcess) => {
    const client = await TestClient.connect(node.ws);
    clients.push(client);
    return client;
  };
  const nodeIds = () => nodes.map((node) => node.nodeId).sort();

  beforeAll(async () => {
    bus = await startBus();
    nodes = await Promise.all(['a', 'b', 'c'].map((name) => startGatewayProcess({ ...bus.env, NODE_ID: `${bus.name}-${name}`, NODE_HEARTBEAT_MS: String(HEARTBEAT_MS), RATE_LIMIT_BURST: '1000' })));
    for (const node of nodes) await eventually(async () => (await getJson(`${node.http}/health/ready`)).status === 200, 30_000);
    // Every node sees every other before the tests start.
    for (const node of nodes) await eventually(async () => (await getJson(`${node.http}/api/nodes`)).body.length === 3, 10_000);
  });

  afterAll(async () => {
    clients.forEach((client) => client.close());
    await Promise.all(nodes.map((node) => node.kill()));
    await bus.stop();
  });

  it('delivers a message published on A to subscribers on B and C, naming A as origin', async () => {
    const [a, b, c] = nodes as [GatewayProcess, GatewayProcess, GatewayProcess];
    const [publisher, onB, onC] = [await connect(a), await connect(b), await connect(c)];
    await onB.subscribe('cross');
    await onC.subscribe('cross');
    expect(await publisher.request('publish', { channel: 'cross', payload: { hello: 'cluster' } })).toMatchObject({ event: 'published' });
    for (const subscriber of [onB, onC]) {
      const message = await subscriber.next(isMessageOn('cross'));
      expect(message.data).toMatchObject({ channel: 'cross', payload: { hello: 'cluster' }, node: a.nodeId });
    }
  });

  it('delivers across nodes to MessagePack and JSON subscribers alike, bytes intact', async () => {
    const [a, b, c] = nodes as [GatewayProcess, GatewayProcess, GatewayProcess];
    const publisher = await TestClient.connect(a.ws, { format: 'msgpack' });
    const [packed, json] = [await TestClient.connect(b.ws, { format: 'msgpack' }), await connect(c)];
    clients.push(publisher, packed);
    await packed.subscribe('formats');
    await json.subscribe('formats');
    const bytes = new Uint8Array([9, 8, 7, 0, 255]);
    expect(await publisher.request('publish', { channel: 'formats', payload: { bytes, n: 1 } })).toMatchObject({ event: 'published' });
    const toPacked = await packed.next(isMessageOn('formats'));
    expect(new Uint8Array(toPacked.data.payload.bytes)).toEqual(bytes);
    expect(toPacked.data).toMatchObject({ node: a.nodeId, payload: { n: 1 } });
    expect((await json.next(isMessageOn('formats'))).data.payload).toEqual({ bytes: { $binary: Buffer.from(bytes).toString('base64') }, n: 1 });
    expect(packed.wrongFormat + json.wrongFormat).toBe(0);
  });

  it('reports cross-node latency (measured, not asserted)', async () => {
    const [publisher, subscriber] = [await connect(nodes[0]!), await connect(nodes[1]!)];
    await subscriber.subscribe('latency');
    const latencies: number[] = [];
    for (let i = 0; i < 100; i++) {
      publisher.send({ event: 'publish', data: { channel: 'latency', payload: i } });
      const frame = await subscriber.next(isMessageOn('latency'));
      latencies.push(Date.now() - frame.data.ts);
    }
    latencies.sort((x, y) => x - y);
    console.log(`[${bus.name}] cross-node latency over 100 sequential messages: p50 ${latencies[49]} ms, p99 ${latencies[98]} ms, max ${latencies[99]} ms`);
    expect(latencies).toHaveLength(100);
  });

  it('delivers 500 messages from one publisher to every subscriber on every node exactly once and in order', async () => {
    const subscribers = await Promise.all(nodes.flatMap((node) => [connect(node), connect(node)]));
    await Promise.all(subscribers.map((client) => client.subscribe('firehose')));
    const publisher = await connect(nodes[0]!);
    for (let i = 0; i < 500; i++) publisher.send({ event: 'publish', data: { channel: 'firehose', payload: i } });
    const expected = [...Array(500).keys()];
    for (const subscriber of subscribers) {
      const received = await subscriber.collect(isMessageOn('firehose'), 500, 20_000);
      expect(received.map((frame) => frame.data.payload)).toEqual(expected);
      // Exactly once: nothing beyond the 500 arrives.
      expect(await subscriber.countWithin(isMessageOn('firehose'), 0)).toBe(0);
    }
    expect(await subscribers[0]!.countWithin(isMessageOn('firehose'), 300)).toBe(0);
  });

  it('sends a channel\'s traffic only to nodes that have subscribers to it', async () => {
    const [a, b] = nodes as [GatewayProcess, GatewayProcess];
    const [onA, onB] = [await connect(a), await connect(b)];
    await onA.subscribe('sparse');
    await onB.subscribe('sparse');
    if (bus.followers) {
      expect(await bus.followers('sparse')).toBe(2);
      await onB.request('unsubscribe', { channel: 'sparse' });
      await eventually(async () => (await bus.followers!('sparse')) === 1);
      await onB.subscribe('sparse');
      expect(await bus.followers('sparse')).toBe(2);
    }
    const publisher = await connect(nodes[2]!);
    await publisher.request('publish', { channel: 'sparse', payload: 'x' });
    expect((await onA.next(isMessageOn('sparse'))).data.payload).toBe('x');
    expect((await onB.next(isMessageOn('sparse'))).data.payload).toBe('x');
    // The cluster view agrees: two nodes hold the channel, C is not among them.
    await eventually(async () => {
      const channels = (await getJson(`${nodes[2]!.http}/api/channels`)).body as Array<{ channel: string; nodes: number }>;
      return channels.find((channel) => channel.channel === 'sparse')?.nodes === 2;
    }, 5000);
  });

  it('delivers an HTTP publish on one node to subscribers on the others', async () => {
    const [onB, onC] = [await connect(nodes[1]!), await connect(nodes[2]!)];
    await onB.subscribe('from-http');
    await onC.subscribe('from-http');
    const response = await postJson(`${nodes[0]!.http}/api/publish`, { channel: 'from-http', payload: [1, 2, 3] });
    expect(response.status).toBe(202);
    for (const subscriber of [onB, onC]) {
      expect((await subscriber.next(isMessageOn('from-http'))).data).toMatchObject({ payload: [1, 2, 3], node: nodes[0]!.nodeId });
    }
  });

  it('shows all three nodes with their connection counts, and channel totals summed, on every node', async () => {
    const counts = await Promise.all(nodes.map(async (node) => (await getJson(`${node.http}/api/nodes`)).body.find((n: any) => n.id === node.nodeId).connections as number));
    // A fresh connection on B must show on every node's view within a heartbeat or two.
    const extra = await connect(nodes[1]!);
    await extra.subscribe('census');
    const extraOnC = await connect(nodes[2]!);
    await extraOnC.subscribe('census');
    for (const viewer of nodes) {
      await eventually(async () => {
        const view = (await getJson(`${viewer.http}/api/nodes`)).body as Array<{ id: string; connections: number; status: string }>;
        return (
          view.length === 3 &&
          view.every((n) => n.status === 'ready') &&
          view.find((n) => n.id === nodes[0]!.nodeId)?.connections === counts[0] &&
          view.find((n) => n.id === nodes[1]!.nodeId)?.connections === counts[1]! + 1 &&
          view.find((n) => n.id === nodes[2]!.nodeId)?.connections === counts[2]! + 1
        );
      }, 5000);
      await eventually(async () => {
        const channels = (await getJson(`${viewer.http}/api/channels`)).body as Array<{ channel: string; subscribers: number; nodes: number }>;
        const census = channels.find((channel) => channel.channel === 'census');
        const firehose = channels.find((channel) => channel.channel === 'firehose');
        return census?.subscribers === 2 && census.nodes === 2 && firehose?.subscribers === 6 && firehose.nodes === 3;
      }, 5000);
    }
  });

  it('reports the bus outage: readiness 503 everywhere and publishers get errors; recovers when the bus returns', async () => {
    const [a, b] = nodes as [GatewayProcess, GatewayProcess];
    const [publisher, subscriber] = [await connect(a), await connect(b)];
    await subscriber.subscribe('outage');

    await bus.kill();
    for (const node of nodes) await eventually(async () => (await getJson(`${node.http}/health/ready`)).status === 503, 10_000);
    const ready = await getJson(`${a.http}/health/ready`);
    expect(ready.body.error.transport.status).toBe('down');

    const refused = await publisher.request('publish', { channel: 'outage', payload: 'lost?' });
    expect(refused).toMatchObject({ event: 'error', data: { code: 'TRANSPORT_UNAVAILABLE' } });
    const http = await postJson(`${a.http}/api/publish`, { channel: 'outage', payload: 'lost?' });
    expect(http.status).toBe(503);
    expect(http.body.code).toBe('TRANSPORT_UNAVAILABLE');

    const outageEnded = Date.now();
    await bus.restart();
    for (const node of nodes) await eventually(async () => (await getJson(`${node.http}/health/ready`)).status === 200, bus.recoveryBudgetMs, 100);
    // Broadcast resumes on the channels followed before the outage, without restarting nodes.
    await eventually(async () => {
      const reply = await publisher.request('publish', { channel: 'outage', payload: 'back' });
      if (reply.event !== 'published') return false;
      return subscriber.next(isMessageOn('outage'), 1000).then(
        (frame) => frame.data.payload === 'back',
        () => false,
      );
    }, bus.recoveryBudgetMs, 200);
    const recoveryMs = Date.now() - outageEnded;
    console.log(`[${bus.name}] recovered ${recoveryMs} ms after the bus came back`);
    expect(recoveryMs).toBeLessThan(bus.recoveryBudgetMs);
  });

  it('removes a SIGKILLed node from every view within 3 missed heartbeats', async () => {
    const victim = nodes[2]!;
    await victim.kill();
    const survivors = nodes.slice(0, 2);
    for (const node of survivors) {
      await eventually(async () => {
        const view = (await getJson(`${node.http}/api/nodes`)).body as Array<{ id: string; status: string }>;
        return view.find((n) => n.id === victim.nodeId)?.status === 'gone' && view.filter((n) => n.status !== 'gone').length === 2;
      }, HEARTBEAT_MS * 3 + 3000);
    }
  });

  it('on SIGTERM closes that node\'s clients with 1012 while the others carry on', async () => {
    const [a, b] = nodes as [GatewayProcess, GatewayProcess];
    const doomed = [await connect(b), await connect(b)];
    const survivor = await connect(a);
    await survivor.subscribe('after-drain');
    const groupsBefore = await bus.consumerGroups?.();
    const exit = b.stop();
    expect((await Promise.all(doomed.map((client) => client.closed))).map((close) => close.code)).toEqual([1012, 1012]);
    expect((await exit).code).toBe(0);
    if (groupsBefore) {
      // The drained node deleted its own consumer group; the survivor's is still there.
      const groupsAfter = await bus.consumerGroups!();
      expect(groupsAfter.length).toBe(groupsBefore.length - 1);
      expect(groupsAfter.every((group) => groupsBefore.includes(group))).toBe(true);
    }
    const publisher = await connect(a);
    await publisher.request('publish', { channel: 'after-drain', payload: 'still here' });
    expect((await survivor.next(isMessageOn('after-drain'))).data.payload).toBe('still here');
    await eventually(async () => {
      const view = (await getJson(`${a.http}/api/nodes`)).body as Array<{ id: string; status: string }>;
      return view.find((n) => n.id === b.nodeId)?.status === 'gone';
    }, 3000);
  });
});
