import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Broadcast, type ChannelHistory, type HistoryOptions, type Transport, type TransportCapabilities, TransportUnavailableError } from '#libs/transport';
import { eventually } from '../support/gateway-process.js';
import type { TransportFixture } from './fixtures/fixture.js';
import { kafkaFixture } from './fixtures/kafka.fixture.js';
import { memoryFixture } from './fixtures/memory.fixture.js';
import { redisClusterFixture } from './fixtures/redis-cluster.fixture.js';
import { redisSentinelFixture } from './fixtures/redis-sentinel.fixture.js';
import { redisFixture } from './fixtures/redis.fixture.js';

/**
 * The history contract: every backend that declares the history capability passes it,
 * each against its real server. Offsets are only compared for order, never for +1 steps:
 * on Kafka they are log offsets shared with the other channels of the partition.
 */
const fixtures: TransportFixture[] = [memoryFixture, redisFixture, redisClusterFixture, redisSentinelFixture, kafkaFixture];

const OPTIONS: HistoryOptions = { size: 100, ttlSeconds: 300 };
let sequence = 0;
/** A channel no other test (or earlier run against the same server) has used. */
const freshChannel = (name: string) => `hc:${name}:${process.pid}:${++sequence}:${Date.now().toString(36)}`;

const broadcast = (channel: string, payload: unknown, origin = 'node-a'): Broadcast => {
  const ts = Date.now();
  return { channel, origin, ts, frame: JSON.stringify({ event: 'message', data: { channel, payload, node: origin, ts } }) };
};
const payloadOf = (message: Broadcast) => JSON.parse(message.frame).data.payload;

interface Node {
  bus: Transport;
  history: ChannelHistory;
  received: Broadcast[];
}

describe.each(fixtures)('history contract: $name', (fixture) => {
  const running: Transport[] = [];
  const startNode = async (): Promise<Node> => {
    const capabilities: TransportCapabilities = await fixture.create();
    if (!capabilities.history) throw new Error(`${fixture.name} declares no history capability`);
    const received: Broadcast[] = [];
    capabilities.bus.onBroadcast((message) => received.push(message));
    await capabilities.bus.start();
    running.push(capabilities.bus);
    return { bus: capabilities.bus, history: capabilities.history, received };
  };
  const publishAll = async (node: Node, channel: string, count: number, options = OPTIONS) => {
    const positions = [];
    for (let i = 0; i < count; i++) positions.push(await node.history.publish(broadcast(channel, i), options));
    return positions;
  };

  beforeAll(() => fixture.setup());
  afterEach(async () => {
    await Promise.all(running.splice(0).map((transport) => transport.stop()));
  });
  afterAll(() => fixture.teardown());

  it('gives a new channel a position with an epoch, stable until something is published', async () => {
    const node = await startNode();
    const channel = freshChannel('fresh');
    const first = await node.history.position(channel, OPTIONS);
    expect(first.epoch).toMatch(/^[0-9a-z-]+$/i);
    expect(Number.isSafeInteger(first.offset) && first.offset >= 0).toBe(true);
    expect(await node.history.position(channel, OPTIONS)).toEqual(first);
    const [published] = await publishAll(node, channel, 1);
    expect(published!.epoch).toBe(first.epoch);
    expect(published!.offset).toBeGreaterThan(first.offset);
    expect(await node.history.position(channel, OPTIONS)).toEqual(published);
  });

  it('publishes live with the same position it resolves with, offsets growing, one epoch', async () => {
    const node = await startNode();
    const channel = freshChannel('live');
    await node.bus.follow(channel);
    const positions = await publishAll(node, channel, 20);
    await eventually(() => node.received.filter((m) => m.channel === channel).length === 20, 10_000, 10);
    const live = node.received.filter((m) => m.channel === channel);
    expect(live.map((m) => m.position)).toEqual(positions);
    expect(live.map(payloadOf)).toEqual([...Array(20).keys()]);
    expect(new Set(positions.map((p) => p.epoch)).size).toBe(1);
    for (let i = 1; i < positions.length; i++) expect(positions[i]!.offset).toBeGreaterThan(positions[i - 1]!.offset);
  });

  it('reads back exactly the publications after a position, in order, with their positions', async () => {
    const node = await startNode();
    const channel = freshChannel('read');
    const start = await node.history.position(channel, OPTIONS);
    const positions = await publishAll(node, channel, 30);
    const page = await node.history.read(channel, { since: positions[9]!.offset, limit: 1000 }, OPTIONS);
    expect(page).toMatchObject({ truncated: false, more: false, position: positions[29] });
    expect(page.publications.map(payloadOf)).toEqual([...Array(20).keys()].map((i) => i + 10));
    expect(page.publications.map((m) => m.position)).toEqual(positions.slice(10));
    expect(page.publications.every((m) => m.channel === channel && m.origin === 'node-a')).toBe(true);

    const all = await node.history.read(channel, { since: start.offset, limit: 1000 }, OPTIONS);
    expect(all.publications.map(payloadOf)).toEqual([...Array(30).keys()]);
    const none = await node.history.read(channel, { since: positions[29]!.offset, limit: 1000 }, OPTIONS);
    expect(none).toMatchObject({ publications: [], truncated: false, more: false });
  });

  it('pages: says there is more than the limit, and returns the oldest ones first', async () => {
    const node = await startNode();
    const channel = freshChannel('page');
    const start = await node.history.position(channel, OPTIONS);
    await publishAll(node, channel, 12);
    const page = await node.history.read(channel, { since: start.offset, limit: 5 }, OPTIONS);
    expect(page.more).toBe(true);
    expect(page.truncated).toBe(false);
    expect(page.publications.map(payloadOf)).toEqual([0, 1, 2, 3, 4]);
  });

  it('returns the latest publications when asked without a position', async () => {
    const node = await startNode();
    const channel = freshChannel('latest');
    await publishAll(node, channel, 8);
    const page = await node.history.read(channel, { limit: 3 }, OPTIONS);
    expect(page.publications.map(payloadOf)).toEqual([5, 6, 7]);
    expect(page.more).toBe(true);
  });

  it('keeps at most `size` publications: an older position is truncated', async () => {
    const node = await startNode();
    const channel = freshChannel('size');
    const options = { size: 5, ttlSeconds: 300 };
    const start = await node.history.position(channel, options);
    const positions = await publishAll(node, channel, 12, options);
    const old = await node.history.read(channel, { since: start.offset, limit: 1000 }, options);
    expect(old.truncated).toBe(true);
    const recent = await node.history.read(channel, { since: positions[6]!.offset, limit: 1000 }, options);
    expect(recent).toMatchObject({ truncated: false, more: false });
    expect(recent.publications.map(payloadOf)).toEqual([7, 8, 9, 10, 11]);
  });

  it('forgets publications older than the TTL: a position before them is truncated', async () => {
    const node = await startNode();
    const channel = freshChannel('ttl');
    const options = { size: 100, ttlSeconds: 1 };
    const start = await node.history.position(channel, options);
    await publishAll(node, channel, 3, options);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const page = await node.history.read(channel, { since: start.offset, limit: 1000 }, options);
    expect(page.truncated).toBe(true);
    expect(page.publications).toEqual([]);
  });

  it('keeps channels apart', async () => {
    const node = await startNode();
    const [one, two] = [freshChannel('apart-1'), freshChannel('apart-2')];
    const [startOne, startTwo] = [await node.history.position(one, OPTIONS), await node.history.position(two, OPTIONS)];
    for (let i = 0; i < 5; i++) {
      await node.history.publish(broadcast(one, `one-${i}`), OPTIONS);
      await node.history.publish(broadcast(two, `two-${i}`), OPTIONS);
    }
    const pageOne = await node.history.read(one, { since: startOne.offset, limit: 100 }, OPTIONS);
    const pageTwo = await node.history.read(two, { since: startTwo.offset, limit: 100 }, OPTIONS);
    expect(pageOne.publications.map(payloadOf)).toEqual([0, 1, 2, 3, 4].map((i) => `one-${i}`));
    expect(pageTwo.publications.map(payloadOf)).toEqual([0, 1, 2, 3, 4].map((i) => `two-${i}`));
  });

  it('refuses to publish or read once stopped, with TransportUnavailableError', async () => {
    const capabilities = await fixture.create();
    await capabilities.bus.start();
    await capabilities.bus.stop();
    await expect(capabilities.history!.publish(broadcast('hc:stopped', 1), OPTIONS)).rejects.toBeInstanceOf(TransportUnavailableError);
    await expect(capabilities.history!.read('hc:stopped', { limit: 10 }, OPTIONS)).rejects.toBeInstanceOf(TransportUnavailableError);
  });

  if (fixture.distributed) {
    describe('across nodes', () => {
      it('is one history: every node reads the same publications, positions and epoch', async () => {
        const [a, b] = [await startNode(), await startNode()];
        const channel = freshChannel('shared');
        const start = await a.history.position(channel, OPTIONS);
        expect(await b.history.position(channel, OPTIONS)).toEqual(start);
        const positions = await publishAll(a, channel, 10);
        const page = await b.history.read(channel, { since: start.offset, limit: 100 }, OPTIONS);
        expect(page.publications.map((m) => m.position)).toEqual(positions);
        expect(page.position).toEqual(positions[9]);
      });

      it('is atomic under concurrent publishers: live order equals history order, no offset twice', async () => {
        const [a, b, follower] = [await startNode(), await startNode(), await startNode()];
        const channel = freshChannel('race');
        await follower.bus.follow(channel);
        const start = await follower.history.position(channel, OPTIONS);
        const options = { size: 1000, ttlSeconds: 300 };
        const results = await Promise.all(
          [...Array(100).keys()].flatMap((i) => [a.history.publish(broadcast(channel, `a${i}`, 'a'), options), b.history.publish(broadcast(channel, `b${i}`, 'b'), options)]),
        );
        expect(new Set(results.map((p) => p.offset)).size).toBe(200);
        await eventually(() => follower.received.filter((m) => m.channel === channel).length === 200, 15_000, 20);
        const live = follower.received.filter((m) => m.channel === channel);
        const page = await follower.history.read(channel, { since: start.offset, limit: 1000 }, options);
        expect(page.publications.map((m) => m.position)).toEqual(live.map((m) => m.position));
        expect(page.publications.map(payloadOf)).toEqual(live.map(payloadOf));
        for (let i = 1; i < live.length; i++) expect(live[i]!.position!.offset).toBeGreaterThan(live[i - 1]!.position!.offset);
        // Per publisher, publication order is kept.
        for (const origin of ['a', 'b']) {
          expect(live.filter((m) => m.origin === origin).map(payloadOf)).toEqual([...Array(100).keys()].map((i) => `${origin}${i}`));
        }
      });
    });
  } else {
    it('starts a new epoch with every new instance: history does not outlive the process', async () => {
      const channel = freshChannel('restart');
      const first = await startNode();
      await publishAll(first, channel, 3);
      const before = await first.history.position(channel, OPTIONS);
      const second = await startNode();
      expect((await second.history.position(channel, OPTIONS)).epoch).not.toBe(before.epoch);
    });
  }
});
