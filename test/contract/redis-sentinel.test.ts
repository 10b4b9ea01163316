import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Broadcast, type ChannelHistory, type Transport, transportBackends, TransportUnavailableError } from '#libs/transport';
import { type RedisSentinelSet, startRedisSentinel } from '../infra/redis-sentinel.js';
import type { RedisServer } from '../infra/redis-server.js';
import { eventually } from '../support/gateway-process.js';

/**
 * What Sentinel mode promises beyond the contracts, against a real master, replica and
 * three sentinels: the nodes follow the master through a failover without restarting,
 * refuse publishes (never queue or drop them) while there is none, and never hand out
 * again, under the old epoch, offsets that a failover lost. Tests share the set and run
 * in order.
 */
const PASSWORD = 'sentinel-test-data';
const SENTINEL_PASSWORD = 'sentinel-test-sentinel';
const HISTORY = { size: 100, ttlSeconds: 300 };

interface Node {
  bus: Transport;
  history: ChannelHistory;
  received: Broadcast[];
}

const broadcast = (channel: string, payload: unknown, origin = 'node-a'): Broadcast => {
  const ts = Date.now();
  return { channel, origin, ts, frame: JSON.stringify({ event: 'message', data: { channel, payload, node: origin, ts } }) };
};
const payloads = (messages: Broadcast[], channel: string) => messages.filter((m) => m.channel === channel).map((m) => JSON.parse(m.frame).data.payload);
const field = (text: string, name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(text)?.[1] ?? 0);

describe('redis sentinel mode: failover on a real master, replica and three sentinels', () => {
  let set: RedisSentinelSet;
  const running: Transport[] = [];
  const startNode = async (): Promise<Node> => {
    const { bus, history } = await transportBackends.redis.create({
      mode: 'sentinel',
      sentinels: set.sentinels.map((sentinel) => ({ host: '127.0.0.1', port: sentinel.port })),
      masterName: set.masterName,
      password: PASSWORD,
      sentinelPassword: SENTINEL_PASSWORD,
      tls: false,
      prefix: 'rs:',
      historyMetaTtlSeconds: 3600,
    });
    const received: Broadcast[] = [];
    bus.onBroadcast((message) => received.push(message));
    await bus.start();
    running.push(bus);
    expect(bus.health().ready).toBe(true);
    return { bus, history: history!, received };
  };
  const readyWithin = async (nodes: Node[], timeoutMs: number) => {
    for (const node of nodes) await eventually(() => node.bus.health().ready, timeoutMs, 20);
  };
  const replicaOf = async (master: RedisServer) => set.data.find((node) => node !== master)!;

  beforeAll(async () => {
    set = await startRedisSentinel({ password: PASSWORD, sentinelPassword: SENTINEL_PASSWORD });
    console.log(`[redis-sentinel] master, replica and 3 sentinels ready in ${set.startupMs} ms`);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((bus) => bus.stop()));
  });
  afterAll(() => set?.stop());

  it('connects to the master the sentinels name, with both passwords', async () => {
    const node = await startNode();
    const master = await set.master();
    expect(node.bus.health().detail).toContain(`"${set.masterName}"`);
    await node.bus.follow('who');
    expect((await master.command('PUBSUB', 'NUMSUB', 'rs:ch:who')).split('\n')[1]).toBe('1');
  });

  it('a coordinated failover (SENTINEL FAILOVER): the nodes leave the demoted master and carry on', async () => {
    const [publisher, subscriber] = [await startNode(), await startNode()];
    await subscriber.bus.follow('manual:live');
    const master = await set.master();
    await set.sentinels[0]!.command('SENTINEL', 'FAILOVER', set.masterName);
    const promoted = await set.waitForMaster({ not: master, replicaSynced: false });
    await readyWithin([publisher, subscriber], 30_000);
    await eventually(() => publisher.bus.publish(broadcast('manual:live', 'on-new-master')).then(() => true, () => false), 10_000, 50);
    await eventually(() => payloads(subscriber.received, 'manual:live').includes('on-new-master'), 10_000, 20);
    expect((await promoted.command('PUBSUB', 'NUMSUB', 'rs:ch:manual:live')).split('\n')[1]).toBe('1');
  });

  it('a master killed: publishes are refused at once during the failover, then everything resumes on the promoted replica', async () => {
    const [publisher, subscriber] = [await startNode(), await startNode()];
    await subscriber.bus.follow('fo:live');
    const seen = await publisher.history.publish(broadcast('fo:history', 'seen'), HISTORY);
    const master = await set.master();
    const killed = Date.now();
    await master.kill();
    await eventually(() => !publisher.bus.health().ready && !subscriber.bus.health().ready, 5000, 10);
    const began = Date.now();
    await expect(publisher.bus.publish(broadcast('fo:live', 'lost?'))).rejects.toBeInstanceOf(TransportUnavailableError);
    await expect(publisher.history.publish(broadcast('fo:history', 'lost?'), HISTORY)).rejects.toBeInstanceOf(TransportUnavailableError);
    expect(Date.now() - began).toBeLessThan(1000);
    await readyWithin([publisher, subscriber], 30_000);
    const promoted = await set.waitForMaster({ not: master, replicaSynced: false });
    console.log(`[redis-sentinel] master ${master.port} SIGKILLed: ${promoted.port} promoted, nodes ready again ${Date.now() - killed} ms after the kill`);
    expect(Date.now() - killed).toBeLessThan(30_000);
    await publisher.bus.publish(broadcast('fo:live', 'after'));
    await eventually(() => payloads(subscriber.received, 'fo:live').includes('after'), 10_000, 20);
    expect(payloads(subscriber.received, 'fo:live')).toEqual(['after']);
    // The promoted replica did not write this history: a new epoch, so a subscriber at `seen` hears epoch_changed.
    const page = await subscriber.history.read('fo:history', { since: seen.offset, limit: 10 }, HISTORY);
    expect(page.position.epoch).not.toBe(seen.epoch);
    await set.restart();
  });

  it('a lossy failover (the replica missed the last writes): offsets the subscribers saw are not handed out again under their epoch', async () => {
    const publisher = await startNode();
    const master = await set.master();
    const replica = await replicaOf(master);
    await publisher.history.publish(broadcast('lossy', 'replicated'), HISTORY);
    await eventually(async () => field(await replica.command('INFO', 'replication'), 'slave_repl_offset') >= field(await master.command('INFO', 'replication'), 'master_repl_offset'), 5000, 20);
    const replicaPid = field(await replica.command('INFO', 'server'), 'process_id');
    process.kill(replicaPid, 'SIGSTOP');
    let last;
    try {
      for (let i = 0; i < 3; i++) last = await publisher.history.publish(broadcast('lossy', `lost-${i}`), HISTORY);
      await master.kill();
    } finally {
      process.kill(replicaPid, 'SIGCONT');
    }
    await set.waitForMaster({ not: master, replicaSynced: false });
    await readyWithin([publisher], 30_000);
    let next;
    for (let i = 0; i < 5; i++) next = await eventually(() => publisher.history.publish(broadcast('lossy', `new-${i}`), HISTORY).catch(() => undefined), 10_000, 50);
    // Without the epoch guard, offsets last-2..last would now name new-0..new-2 in the same epoch: a silent gap.
    const page = await publisher.history.read('lossy', { since: last!.offset, limit: 10 }, HISTORY);
    expect(page.position.epoch).not.toBe(last!.epoch);
    expect(page.position).toEqual(next);
    expect(page.publications.map((m) => JSON.parse(m.frame).data.payload)).not.toContain('lost-0');
    await set.restart();
  });
});
