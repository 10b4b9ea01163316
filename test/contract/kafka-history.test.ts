import kafkajs from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Broadcast, type ChannelHistory, type HistoryOptions, type StreamPosition, type Transport, transportBackends, TransportUnavailableError } from '#libs/transport';
import { partitionFor } from '../../libs/transport/src/kafka/partitioner.js';
import { type KafkaBroker, startKafka } from '../infra/kafka-broker.js';
import { eventually } from '../support/gateway-process.js';

/**
 * What the history contract cannot say about Kafka: history is the broadcast topic's log,
 * so it outlives every node, shares partitions with other channels and plain broadcasts,
 * is cut by the log's retention, and its epoch is the topic's identity.
 *
 * SWITCHBOARD_MEASURE=1 adds the read and publish-cost measurements (printed, not asserted).
 */
const PARTITIONS = 3;
const OPTIONS: HistoryOptions = { size: 100, ttlSeconds: 300 };

let broker: KafkaBroker;
let admin: kafkajs.Admin;
let topicSequence = 0;
let channelSequence = 0;
const freshTopic = () => `kh.${process.pid}.${++topicSequence}.broadcast`;
const freshChannel = (name: string) => `kh:${name}:${++channelSequence}:${Date.now().toString(36)}`;
/** A channel other than `channel` that lands in the same partition. */
function neighbourOf(channel: string, name: string): string {
  for (let i = 0; ; i++) {
    const candidate = freshChannel(`${name}${i}`);
    if (partitionFor(candidate, PARTITIONS) === partitionFor(channel, PARTITIONS)) return candidate;
  }
}

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

const running: Transport[] = [];
async function startNode(topic: string, partitions = PARTITIONS): Promise<Node> {
  const capabilities = await transportBackends.kafka.create({ brokers: [broker.brokers], topic, clientId: 'kh', groupPrefix: 'kh', partitions, replicationFactor: 1, retentionMs: 3_600_000, ssl: false });
  const received: Broadcast[] = [];
  capabilities.bus.onBroadcast((message) => received.push(message));
  await capabilities.bus.start();
  running.push(capabilities.bus);
  return { bus: capabilities.bus, history: capabilities.history!, received };
}
async function stopAll(): Promise<void> {
  await Promise.all(running.splice(0).map((bus) => bus.stop()));
}
async function deleteTopics(topic: string): Promise<void> {
  await admin.deleteTopics({ topics: [topic, `${topic}.control`] });
  await eventually(async () => !(await admin.listTopics()).includes(topic), 15_000);
}
async function publishAll(node: Node, channel: string, count: number): Promise<StreamPosition[]> {
  const positions: StreamPosition[] = [];
  for (let i = 0; i < count; i++) positions.push(await node.history.publish(broadcast(channel, i), OPTIONS));
  return positions;
}

beforeAll(async () => {
  broker = await startKafka({ partitions: PARTITIONS });
  admin = new kafkajs.Kafka({ brokers: [broker.brokers], logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
});
afterEach(stopAll);
afterAll(async () => {
  await admin?.disconnect();
  await broker?.stop();
});

describe('kafka history', () => {
  it('outlives every node: a node started after all others stopped reads it back, same positions, same epoch', async () => {
    const topic = freshTopic();
    const channel = freshChannel('durable');
    const first = await startNode(topic);
    const start = await first.history.position(channel, OPTIONS);
    const positions = await publishAll(first, channel, 5);
    await stopAll();
    const second = await startNode(topic);
    const page = await second.history.read(channel, { since: start.offset, limit: 100 }, OPTIONS);
    expect(page.publications.map((m) => m.position)).toEqual(positions);
    // The top is a cursor: the second node's start-up probes went through every partition since.
    expect(page.position.epoch).toBe(positions[4]!.epoch);
    expect(page.position.offset).toBeGreaterThan(positions[4]!.offset);
    expect(await second.history.position(channel, OPTIONS)).toEqual(page.position);
  });

  it('has a new epoch once the topic is deleted and created again, or given more partitions', async () => {
    const topic = freshTopic();
    const channel = freshChannel('epoch');
    const before = await (await startNode(topic)).history.position(channel, OPTIONS);
    await stopAll();
    await deleteTopics(topic);
    const recreated = await (await startNode(topic)).history.position(channel, OPTIONS);
    expect(recreated.epoch).not.toBe(before.epoch);
    expect(recreated.epoch).toMatch(/^[0-9a-z]+$/);
    await stopAll();
    await admin.createPartitions({ topicPartitions: [{ topic, count: PARTITIONS + 1 }] });
    const repartitioned = await (await startNode(topic, PARTITIONS + 1)).history.position(channel, OPTIONS);
    expect(repartitioned.epoch).not.toBe(recreated.epoch);
  });

  it('a running node picks up the new epoch of a topic recreated under it', { timeout: 60_000 }, async () => {
    const topic = freshTopic();
    const channel = freshChannel('rerun');
    const node = await startNode(topic);
    const before = await node.history.position(channel, OPTIONS);
    await deleteTopics(topic);
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: PARTITIONS }, { topic: `${topic}.control`, numPartitions: 1 }] });
    const after = await eventually(async () => {
      const position = await node.history.position(channel, OPTIONS);
      return position.epoch !== before.epoch ? position : undefined;
    }, 25_000, 250);
    expect(after.epoch).toMatch(/^[0-9a-z]+$/);
  });

  it('reports truncated when the log no longer holds what a reader missed (retention, deleteRecords)', async () => {
    const topic = freshTopic();
    const channel = freshChannel('deleted');
    const node = await startNode(topic);
    const start = await node.history.position(channel, OPTIONS);
    await publishAll(node, channel, 5);
    const top = await node.history.position(channel, OPTIONS);
    await admin.fetchTopicMetadata({ topics: [topic] }); // the admin's leader lookup needs the topic's metadata
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: partitionFor(channel, PARTITIONS), offset: String(top.offset) }] });
    expect(await node.history.read(channel, { since: start.offset, limit: 100 }, OPTIONS)).toMatchObject({ publications: [], truncated: true, position: top });
    // A reader that was at the top misses nothing: what follows is there.
    const [next] = await publishAll(node, channel, 1);
    const page = await node.history.read(channel, { since: top.offset, limit: 100 }, OPTIONS);
    expect(page).toMatchObject({ truncated: false, more: false });
    expect(page.publications.map((m) => m.position)).toEqual([next]);
  });

  it('keeps only the channel\'s history publications: neighbours in its partition and plain broadcasts are skipped, and plain ones carry no position', async () => {
    const topic = freshTopic();
    const channel = freshChannel('mine');
    const neighbour = neighbourOf(channel, 'neighbour');
    const node = await startNode(topic);
    await node.bus.follow(channel);
    const start = await node.history.position(channel, OPTIONS);
    const mine: StreamPosition[] = [];
    for (let i = 0; i < 10; i++) {
      mine.push(await node.history.publish(broadcast(channel, `h${i}`), OPTIONS));
      await node.history.publish(broadcast(neighbour, `n${i}`), OPTIONS);
      await node.bus.publish(broadcast(channel, `p${i}`));
    }
    const page = await node.history.read(channel, { since: start.offset, limit: 100 }, OPTIONS);
    expect(page.publications.map(payloadOf)).toEqual([...Array(10).keys()].map((i) => `h${i}`));
    expect(page.publications.map((m) => m.position)).toEqual(mine);
    expect(page.position.offset).toBeGreaterThan(mine[9]!.offset);
    await eventually(() => node.received.length === 20, 10_000, 10);
    expect(node.received.map(payloadOf)).toEqual([...Array(10).keys()].flatMap((i) => [`h${i}`, `p${i}`]));
    expect(node.received.filter((m) => m.position).map((m) => m.position)).toEqual(mine);
    expect(node.received.filter((m) => payloadOf(m).startsWith('p')).every((m) => !('position' in m))).toBe(true);
  });

  it('reads from inside a record batch: publications sent in one tick share one', async () => {
    const topic = freshTopic();
    const channel = freshChannel('batch');
    const node = await startNode(topic);
    const positions = await Promise.all([...Array(50).keys()].map((i) => node.history.publish(broadcast(channel, i), OPTIONS)));
    for (let i = 1; i < positions.length; i++) expect(positions[i]!.offset).toBe(positions[i - 1]!.offset + 1);
    const page = await node.history.read(channel, { since: positions[24]!.offset, limit: 100 }, OPTIONS);
    expect(page.publications.map(payloadOf)).toEqual([...Array(25).keys()].map((i) => i + 25));
    expect(page.publications.map((m) => m.position)).toEqual(positions.slice(25));
  });

  it('finds the latest publications of a quiet channel behind a busy neighbour', async () => {
    const topic = freshTopic();
    const channel = freshChannel('quiet');
    const busy = neighbourOf(channel, 'busy');
    const node = await startNode(topic);
    const positions = await publishAll(node, channel, 3);
    await Promise.all([...Array(3000).keys()].map((i) => node.bus.publish(broadcast(busy, i))));
    const page = await node.history.read(channel, { limit: 10 }, OPTIONS);
    expect(page.publications.map((m) => m.position)).toEqual(positions);
    expect(page).toMatchObject({ more: false, truncated: false });
    const since = await node.history.read(channel, { since: positions[0]!.offset, limit: 10 }, OPTIONS);
    expect(since.publications.map((m) => m.position)).toEqual(positions.slice(1));
  });

  // Destructive: kills and restarts the broker, so it runs last.
  it('rejects with TransportUnavailableError while the broker is down, and reads again once it is back', { timeout: 120_000 }, async () => {
    const topic = freshTopic();
    const channel = freshChannel('outage');
    const node = await startNode(topic);
    const start = await node.history.position(channel, OPTIONS);
    const positions = await publishAll(node, channel, 3);
    await broker.kill();
    const began = Date.now();
    await expect(node.history.read(channel, { since: start.offset, limit: 10 }, OPTIONS)).rejects.toBeInstanceOf(TransportUnavailableError);
    await expect(node.history.position(channel, OPTIONS)).rejects.toBeInstanceOf(TransportUnavailableError);
    await expect(node.history.publish(broadcast(channel, 'lost'), OPTIONS)).rejects.toBeInstanceOf(TransportUnavailableError);
    expect(Date.now() - began).toBeLessThan(30_000);
    await broker.restart();
    const page = await eventually(() => node.history.read(channel, { since: start.offset, limit: 10 }, OPTIONS), 60_000, 500);
    expect(page.publications.map((m) => m.position)).toEqual(positions);
  });
});

if (process.env.SWITCHBOARD_MEASURE) {
  describe('kafka history: measurements', () => {
    const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

    it('reads 1,000 missed publications among neighbours\' traffic', { timeout: 300_000 }, async () => {
      const topic = freshTopic();
      const channel = freshChannel('measure');
      const neighbours = [neighbourOf(channel, 'x'), neighbourOf(channel, 'y'), neighbourOf(channel, 'z')];
      const [publisher, reader] = [await startNode(topic), await startNode(topic)];
      const options = { size: 2000, ttlSeconds: 3600 };
      const since = await reader.history.position(channel, options);
      // 1,000 publications of the channel, each followed by one of each neighbour (history and plain).
      for (let block = 0; block < 10; block++) {
        await Promise.all(
          [...Array(100).keys()].flatMap((i) => [
            publisher.history.publish(broadcast(channel, block * 100 + i), options),
            publisher.history.publish(broadcast(neighbours[0]!, i), options),
            publisher.bus.publish(broadcast(neighbours[1]!, i)),
            publisher.history.publish(broadcast(neighbours[2]!, i), options),
          ]),
        );
      }
      const times: number[] = [];
      for (let i = 0; i < 20; i++) {
        const began = performance.now();
        const page = await reader.history.read(channel, { since: since.offset, limit: 1000 }, options);
        times.push(performance.now() - began);
        expect(page.publications).toHaveLength(1000);
        expect(page.more).toBe(false);
      }
      times.sort((a, b) => a - b);
      console.log(`[measure] read of 1000 missed publications (4000 records in the range): p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms, min ${times[0]!.toFixed(1)} ms`);
    });

    it('worst case: a quiet channel behind 150,000 neighbour records (past the scan budget)', { timeout: 300_000 }, async () => {
      const topic = freshTopic();
      const channel = freshChannel('behind');
      const busy = neighbourOf(channel, 'busy');
      const node = await startNode(topic);
      const since = await node.history.position(channel, OPTIONS);
      for (let block = 0; block < 75; block++) await Promise.all([...Array(2000).keys()].map((i) => node.bus.publish(broadcast(busy, i))));
      const [last] = await publishAll(node, channel, 1);
      const times: number[] = [];
      let more = false;
      for (let i = 0; i < 5; i++) {
        const began = performance.now();
        more = (await node.history.read(channel, { since: since.offset, limit: 100 }, OPTIONS)).more;
        times.push(performance.now() - began);
      }
      const latest = performance.now();
      const page = await node.history.read(channel, { limit: 10 }, OPTIONS);
      const latestMs = performance.now() - latest;
      times.sort((a, b) => a - b);
      console.log(`[measure] read since a position 150,001 records back: median ${times[2]!.toFixed(0)} ms, max ${times[4]!.toFixed(0)} ms (more: ${more}); latest 10 without a position: ${latestMs.toFixed(0)} ms, found ${page.publications.length} (${page.publications[0]?.position?.offset === last!.offset})`);
    });

    it('publish cost: history publish vs plain bus.publish', { timeout: 300_000 }, async () => {
      const topic = freshTopic();
      const node = await startNode(topic);
      const channel = freshChannel('cost');
      const variants = {
        'plain bus.publish': (i: number) => node.bus.publish(broadcast(channel, i)),
        'history.publish': (i: number) => node.history.publish(broadcast(channel, i), OPTIONS),
      };
      const run = async (publish: (i: number) => Promise<unknown>, mode: 'sequential' | 'concurrent') => {
        const cpu = process.cpuUsage();
        const began = performance.now();
        if (mode === 'sequential') for (let i = 0; i < 2000; i++) await publish(i);
        else await Promise.all([...Array(2000).keys()].map(publish));
        const used = process.cpuUsage(cpu);
        return { cpu: (used.user + used.system) / 2000, wall: ((performance.now() - began) * 1000) / 2000 };
      };
      for (const publish of Object.values(variants)) await run(publish, 'sequential'); // warm-up
      for (const mode of ['sequential', 'concurrent'] as const) {
        const results = new Map<string, Array<{ cpu: number; wall: number }>>();
        // Alternating rounds, so warm-up and background work fall on both alike.
        for (let round = 0; round < 3; round++) {
          for (const [label, publish] of Object.entries(variants)) results.set(label, [...(results.get(label) ?? []), await run(publish, mode)]);
        }
        for (const [label, rounds] of results) {
          const median = (values: number[]) => values.sort((a, b) => a - b)[1]!;
          console.log(`[measure] ${label} ${mode} (2000 × 3 rounds, median): ${median(rounds.map((r) => r.cpu)).toFixed(1)} µs CPU and ${median(rounds.map((r) => r.wall)).toFixed(0)} µs wall per publish`);
        }
      }
    });
  });
}
