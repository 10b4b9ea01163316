import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../infra/managed-process.js';
import { eventually, type GatewayProcess, startGatewayProcess } from '../support/gateway-process.js';
import { getJson, postJson } from '../support/http.js';
import { type Frame, isMessageOn, TestClient } from '../support/test-client.js';
import type { ClusterBus } from './buses/bus.js';
import { startKafkaBus } from './buses/kafka.bus.js';
import { startRedisClusterBus } from './buses/redis-cluster.bus.js';
import { startRedisSentinelBus } from './buses/redis-sentinel.bus.js';
import { startRedisBus } from './buses/redis.bus.js';

/**
 * Recovery across a real cluster: three node processes of the built app on a real
 * Redis or Kafka. A subscriber leaves one node and comes back on another with the
 * position of the last message it saw; it must get exactly what it missed, or be told
 * plainly why not. Destructive tests (restarts) come last.
 */
const buses: Array<[string, () => Promise<ClusterBus>]> = [
  ['redis', startRedisBus],
  ['redis-cluster', startRedisClusterBus],
  ['redis-sentinel', startRedisSentinelBus],
  ['kafka', startKafkaBus],
];

const RECOVERY_MAX = 250;

/** Gap, duplicate and reorder checker over the offsets and sequence numbers a subscriber saw. */
function checkStream(frames: Frame[], expectedPayloads: number[]) {
  const offsets = frames.map((frame) => frame.data.offset as number);
  const problems: string[] = [];
  for (let i = 1; i < offsets.length; i++) {
    if (offsets[i]! === offsets[i - 1]!) problems.push(`duplicate offset ${offsets[i]} at ${i}`);
    else if (offsets[i]! < offsets[i - 1]!) problems.push(`offset ${offsets[i]} after ${offsets[i - 1]} at ${i}`);
  }
  const payloads = frames.map((frame) => frame.data.payload as number);
  const seen = new Set<number>();
  for (const payload of payloads) {
    if (seen.has(payload)) problems.push(`payload ${payload} twice`);
    seen.add(payload);
  }
  const missing = expectedPayloads.filter((payload) => !seen.has(payload));
  if (missing.length) problems.push(`${missing.length} missing, first ${missing.slice(0, 5).join(',')}`);
  if (payloads.some((payload, i) => i > 0 && payload < payloads[i - 1]!)) problems.push('payloads out of order');
  return problems;
}

describe.each(buses)('recovery across a 3-node cluster on %s', (_name, startBus) => {
  let bus: ClusterBus;
  let nodes: GatewayProcess[];
  let env: Record<string, string>;
  const clients: TestClient[] = [];
  const connect = async (node: GatewayProcess) => {
    const client = await TestClient.connect(node.ws);
    clients.push(client);
    return client;
  };
  const publishOverHttp = async (node: GatewayProcess, channel: string, count: number, from = 0) => {
    const positions = [];
    for (let i = from; i < from + count; i++) {
      const response = await postJson(`${node.http}/api/publish`, { channel, payload: i });
      expect(response.status).toBe(202);
      positions.push(response.body as { offset: number; epoch: string });
    }
    return positions;
  };
  /** Subscribes, receives one message to learn the position, and leaves. */
  const lastSeenOn = async (node: GatewayProcess, channel: string) => {
    const client = await connect(node);
    await client.subscribe(channel);
    await publishOverHttp(node, channel, 1, -1);
    const frame = await client.next(isMessageOn(channel));
    client.close();
    await client.closed;
    return { offset: frame.data.offset as number, epoch: frame.data.epoch as string };
  };
  const startNodes = () =>
    Promise.all(['a', 'b', 'c'].map((name) => startGatewayProcess({ ...env, NODE_ID: `${bus.name}-rec-${name}` })));
  const awaitReady = async () => {
    for (const node of nodes) await eventually(async () => (await getJson(`${node.http}/health/ready`)).status === 200, 60_000);
  };

  beforeAll(async () => {
    bus = await startBus();
    const channelsConfig = join(makeTempDir('switchboard-channels-'), 'channels.json');
    writeFileSync(channelsConfig, JSON.stringify({ namespaces: [{ channels: 'small:*', history: { size: 50 } }] }));
    env = {
      ...bus.env,
      HISTORY_CHANNELS: 'rec:*',
      HISTORY_SIZE: '2000',
      CHANNELS_CONFIG: channelsConfig,
      RECOVERY_MAX_MESSAGES: String(RECOVERY_MAX),
      NODE_HEARTBEAT_MS: '500',
      RATE_LIMIT_PER_SEC: '5000',
      RATE_LIMIT_BURST: '5000',
    };
    nodes = await startNodes();
    await awaitReady();
  });

  afterAll(async () => {
    clients.forEach((client) => client.close());
    await Promise.all(nodes.map((node) => node.kill()));
    await bus.stop();
  });

  it('a subscriber that left node A gets exactly the 200 messages published on B when it comes back on C', async () => {
    const [a, b, c] = nodes as [GatewayProcess, GatewayProcess, GatewayProcess];
    const since = await lastSeenOn(a, 'rec:gap');
    const published = await publishOverHttp(b, 'rec:gap', 200);
    const started = Date.now();
    const back = await connect(c);
    back.send({ event: 'subscribe', data: { channel: 'rec:gap', since }, id: 'recover' });
    const reply = await back.next((frame) => frame.id === 'recover');
    const recovered = await back.collect(isMessageOn('rec:gap'), 200, 20_000);
    console.log(`[${bus.name}] recovered 200 missed messages across nodes in ${Date.now() - started} ms (subscribe to last message)`);
    expect(reply).toMatchObject({ event: 'subscribed', data: { channel: 'rec:gap', recovered: true, epoch: since.epoch } });
    expect(recovered.map((frame) => frame.data.payload)).toEqual([...Array(200).keys()]);
    expect(recovered.map((frame) => frame.data.offset)).toEqual(published.map((position) => position.offset));
    expect(checkStream(recovered, [...Array(200).keys()])).toEqual([]);
    expect(await back.countWithin(isMessageOn('rec:gap'), 300)).toBe(0);
  });

  it('a stale epoch: recovered false, epoch_changed', async () => {
    const since = await lastSeenOn(nodes[0]!, 'rec:stale');
    await publishOverHttp(nodes[1]!, 'rec:stale', 5);
    const back = await connect(nodes[2]!);
    const reply = await back.request('subscribe', { channel: 'rec:stale', since: { offset: since.offset, epoch: `${since.epoch}0` } });
    expect(reply.data).toMatchObject({ recovered: false, reason: 'epoch_changed', epoch: since.epoch });
    expect(await back.countWithin(isMessageOn('rec:stale'), 300)).toBe(0);
  });

  it('a position older than the history: recovered false, too_old', async () => {
    const since = await lastSeenOn(nodes[0]!, 'small:old');
    await publishOverHttp(nodes[1]!, 'small:old', 60);
    const back = await connect(nodes[2]!);
    const reply = await back.request('subscribe', { channel: 'small:old', since });
    expect(reply.data).toMatchObject({ recovered: false, reason: 'too_old' });
    expect(await back.countWithin(isMessageOn('small:old'), 300)).toBe(0);
  });

  it(`more than RECOVERY_MAX_MESSAGES (${RECOVERY_MAX}) behind: recovered false, too_many, and nothing partial`, async () => {
    const since = await lastSeenOn(nodes[0]!, 'rec:many');
    await publishOverHttp(nodes[1]!, 'rec:many', RECOVERY_MAX + 10);
    const back = await connect(nodes[2]!);
    const reply = await back.request('subscribe', { channel: 'rec:many', since });
    expect(reply.data).toMatchObject({ recovered: false, reason: 'too_many' });
    expect(await back.countWithin(isMessageOn('rec:many'), 300)).toBe(0);
    // The live stream goes on from the top.
    await publishOverHttp(nodes[1]!, 'rec:many', 1, 10_000);
    expect((await back.next(isMessageOn('rec:many'))).data.payload).toBe(10_000);
  });

  it('under 500 msgs/s, a subscriber that reconnects 20 times to changing nodes sees every message exactly once, in order', async () => {
    const channel = 'rec:soak';
    const publisher = await connect(nodes[1]!);
    const acked: Array<{ payload: number; offset: number }> = [];
    let sequence = 0;
    let publishing = true;
    const pump = (async () => {
      // 5 messages every 10 ms: 500/s, each acknowledged with its offset.
      while (publishing) {
        const batch = [...Array(5)].map(() => sequence++);
        for (const payload of batch) publisher.send({ event: 'publish', data: { channel, payload }, id: `p${payload}` });
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const collectAcks = (async () => {
      while (publishing || acked.length < sequence) {
        if (acked.length >= sequence) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          continue;
        }
        const ack = await publisher.next((frame) => typeof frame.id === 'string' && frame.id.startsWith('p'), 10_000);
        expect(ack.event).toBe('published');
        acked.push({ payload: Number((ack.id as string).slice(1)), offset: ack.data.offset });
      }
    })();

    const seen: Frame[] = [];
    let since: { offset: number; epoch: string } | undefined;
    const outcomes: string[] = [];
    for (let session = 0; session < 21; session++) {
      const client = await connect(nodes[session % 3]!);
      client.send({ event: 'subscribe', data: since ? { channel, since } : { channel }, id: 'sub' });
      const reply = await client.next((frame) => frame.id === 'sub');
      expect(reply.event).toBe('subscribed');
      if (since) outcomes.push(reply.data.recovered ? 'recovered' : reply.data.reason);
      since ??= { offset: reply.data.offset, epoch: reply.data.epoch };
      const until = Date.now() + 150 + Math.random() * 150;
      while (Date.now() < until) {
        const frame = await client.next(isMessageOn(channel), 2000).catch(() => undefined);
        if (!frame) continue;
        seen.push(frame);
        since = { offset: frame.data.offset, epoch: frame.data.epoch };
      }
      client.close();
      await client.closed;
      // Whatever reached the socket after we stopped reading is discarded, as a real disconnect would lose it.
    }
    publishing = false;
    await pump;
    await collectAcks;
    // One last session takes everything published up to the end.
    const last = await connect(nodes[0]!);
    const reply = await last.request('subscribe', { channel, since });
    outcomes.push(reply.data.recovered ? 'recovered' : reply.data.reason);
    const lastAckedOffset = Math.max(...acked.map((ack) => ack.offset));
    while (seen.at(-1)!.data.offset < lastAckedOffset) seen.push(await last.next(isMessageOn(channel), 10_000));

    const firstSeen = seen[0]!.data.payload as number;
    const expected = acked.map((ack) => ack.payload).filter((payload) => payload >= firstSeen).sort((x, y) => x - y);
    console.log(`[${bus.name}] soak: ${sequence} published at 500/s, ${seen.length} received over 22 sessions; outcomes ${[...new Set(outcomes)].join(',')}`);
    expect(outcomes.every((outcome) => outcome === 'recovered')).toBe(true);
    expect(checkStream(seen, expected)).toEqual([]);
    expect(seen.map((frame) => frame.data.offset)).toEqual(acked.filter((ack) => ack.payload >= firstSeen).map((ack) => ack.offset).sort((x, y) => x - y));
  });

  // Declared only where the bus can drop just the subscriptions (single Redis): nothing is skipped.
  if (_name === 'redis') it('live subscribers miss nothing when their node loses the bus for a moment: the gap is filled from history', async () => {
    const channel = 'rec:blip';
    const subscribers = [await connect(nodes[1]!), await connect(nodes[2]!)];
    for (const subscriber of subscribers) await subscriber.subscribe(channel);
    const published: Array<{ offset: number }> = [];
    let publishing = true;
    const pump = (async () => {
      for (let i = 0; publishing; i++) {
        published.push(...(await publishOverHttp(nodes[0]!, channel, 1, i)));
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    // Both subscribers are on the live stream (a first message reached them) before the bus drops them.
    for (const subscriber of subscribers) await eventually(() => subscriber.frames.some(isMessageOn(channel)), 10_000, 20);
    await bus.dropSubscribers!();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    publishing = false;
    await pump;
    for (const subscriber of subscribers) {
      const frames = await subscriber.collect(isMessageOn(channel), published.length, 20_000);
      expect(checkStream(frames, [...Array(published.length).keys()])).toEqual([]);
      expect(frames.map((frame) => frame.data.offset)).toEqual(published.map((position) => position.offset));
      expect(subscriber.socket.readyState).toBe(1);
    }
    const resyncs = await (await fetch(`${nodes[1]!.http}/metrics`)).text();
    console.log(`[${bus.name}] bus blip: ${published.length} published, every subscriber got all in order; ${/switchboard_resyncs_total\{outcome="recovered"\} (\d+)/.exec(resyncs)?.[1] ?? 0} resyncs on node B`);
    expect(resyncs).toMatch(/switchboard_resyncs_total\{outcome="recovered"\} [1-9]/);
  });

  if (_name === 'kafka') {
    it('after every node is stopped and started again, a client recovers its gap from the log', async () => {
      const since = await lastSeenOn(nodes[0]!, 'rec:restart');
      const published = await publishOverHttp(nodes[1]!, 'rec:restart', 50);
      await Promise.all(nodes.map((node) => node.stop()));
      nodes = await startNodes();
      await awaitReady();
      const back = await connect(nodes[2]!);
      back.send({ event: 'subscribe', data: { channel: 'rec:restart', since }, id: 'after-restart' });
      const reply = await back.next((frame) => frame.id === 'after-restart', 10_000);
      expect(reply.data).toMatchObject({ recovered: true, epoch: since.epoch });
      const recovered = await back.collect(isMessageOn('rec:restart'), 50);
      expect(recovered.map((frame) => frame.data.offset)).toEqual(published.map((position) => position.offset));
      expect(recovered.map((frame) => frame.data.payload)).toEqual([...Array(50).keys()]);
    });
  }

  if (_name.startsWith('redis')) {
    it('after Redis restarts without persistence, the epoch changes and clients are told epoch_changed', async () => {
      const since = await lastSeenOn(nodes[0]!, 'rec:flushed');
      await bus.kill();
      await bus.restart();
      await awaitReady();
      const back = await connect(nodes[1]!);
      const reply = await back.request('subscribe', { channel: 'rec:flushed', since });
      expect(reply.data).toMatchObject({ recovered: false, reason: 'epoch_changed' });
      expect(reply.data.epoch).not.toBe(since.epoch);
      const [next] = await publishOverHttp(nodes[2]!, 'rec:flushed', 1);
      expect(next!.epoch).toBe(reply.data.epoch);
      expect((await back.next(isMessageOn('rec:flushed'))).data).toMatchObject({ offset: next!.offset, epoch: reply.data.epoch });
    });
  }
});
