import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Broadcast, type ChannelHistory, type Transport, transportBackends, TransportUnavailableError } from '#libs/transport';
import { keySlot } from '../../libs/transport/src/redis/redis-slots.js';
import { type RedisCluster, startRedisCluster } from '../infra/redis-cluster.js';
import type { RedisServer } from '../infra/redis-server.js';
import { eventually } from '../support/gateway-process.js';

/**
 * What Redis Cluster mode promises beyond the contracts, against a real 3-master
 * cluster with a replica per master: channel traffic stays on the shard that owns the
 * channel's slot, and subscriptions follow the slot through a migration, a manual
 * failover, a shard that goes away and comes back, and a master killed outright (with
 * writes its replica never got). Tests share the cluster and run in order; the
 * destructive ones come last.
 */
const PASSWORD = 'cluster-test-secret';
const PREFIX = 'rc:';
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
const shardChannel = (channel: string) => `${PREFIX}ch:{${channel}}`;
/** `name:value` fields of an INFO-style reply. */
const field = (text: string, name: string) => Number(new RegExp(`${name}[:=](\\d+)`).exec(text)?.[1] ?? 0);

describe('redis cluster mode: sharded pub/sub on a real 3-master cluster', () => {
  let cluster: RedisCluster;
  const running: Transport[] = [];
  const startNode = async (): Promise<Node> => {
    const seeds = cluster.nodes.slice(0, 3).map((node) => ({ host: '127.0.0.1', port: node.port }));
    const { bus, history } = await transportBackends.redis.create({ mode: 'cluster', nodes: seeds, password: PASSWORD, tls: false, prefix: PREFIX, historyMetaTtlSeconds: 3600 });
    const received: Broadcast[] = [];
    bus.onBroadcast((message) => received.push(message));
    await bus.start();
    running.push(bus);
    expect(bus.health().ready).toBe(true);
    return { bus, history: history!, received };
  };
  const owner = (channel: string) => cluster.ownerOf(keySlot(shardChannel(channel)));
  /** The channels (from `candidates`) whose slot the master on `port` owns. */
  const channelsOn = async (port: number, candidates: string[]) => {
    const result: string[] = [];
    for (const channel of candidates) if ((await owner(channel)).port === port) result.push(channel);
    return result;
  };
  const readyWithin = async (nodes: Node[], timeoutMs: number) => {
    const began = Date.now();
    for (const node of nodes) await eventually(() => node.bus.health().ready, timeoutMs, 20);
    return Date.now() - began;
  };
  const pidOf = async (server: RedisServer) => field(await server.command('INFO', 'server'), 'process_id');

  beforeAll(async () => {
    cluster = await startRedisCluster({ password: PASSWORD });
    console.log(`[redis-cluster] ${cluster.nodes.length} nodes healthy in ${cluster.startupMs} ms`);
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((bus) => bus.stop()));
  });
  afterAll(() => cluster?.stop());

  it('hashes channel names to the slots Redis computes', async () => {
    const node = cluster.nodes[0]!;
    for (const channel of ['a', 'chat:room-1', 'orders/eu@42', 'x'.repeat(200)]) {
      expect(keySlot(shardChannel(channel))).toBe(Number(await node.command('CLUSTER', 'KEYSLOT', shardChannel(channel))));
      expect(keySlot(`${PREFIX}h:{${channel}}:stream`)).toBe(keySlot(shardChannel(channel)));
    }
  });

  it('with 30 channels over 3 shards, each shard carries only its own channels\' traffic', async () => {
    const [publisher, subscriber] = [await startNode(), await startNode()];
    const channels = [...Array(30).keys()].map((i) => `split:${i}`);
    for (const channel of channels) await subscriber.bus.follow(channel);
    const masters = await cluster.masters();
    const byShard = new Map<number, string[]>();
    for (const master of masters) byShard.set(master.port, await channelsOn(master.port, channels));
    expect([...byShard.values()].every((owned) => owned.length > 0)).toBe(true);
    expect([...byShard.values()].flat().sort()).toEqual([...channels].sort());

    // Each shard's master holds the sharded subscriptions of its channels, and no other master does.
    for (const master of masters) {
      for (const channel of channels) {
        const reply = await master.server.command('PUBSUB', 'SHARDNUMSUB', shardChannel(channel));
        expect(Number(reply.split('\n')[1]), `${channel} on ${master.port}`).toBe(byShard.get(master.port)!.includes(channel) ? 1 : 0);
      }
    }

    const before = await Promise.all(cluster.nodes.map(async (node) => ({ stats: await node.command('INFO', 'commandstats'), bus: await node.command('CLUSTER', 'INFO') })));
    const PER_CHANNEL = 20;
    for (let i = 0; i < PER_CHANNEL; i++) await Promise.all(channels.map((channel) => publisher.bus.publish(broadcast(channel, i))));
    const historyChannel = byShard.get(masters[0]!.port)![0]!;
    for (let i = 0; i < 5; i++) await publisher.history.publish(broadcast(historyChannel, `h${i}`), HISTORY);
    await eventually(() => subscriber.received.length === channels.length * PER_CHANNEL + 5, 10_000, 20);
    for (const channel of channels) expect(payloads(subscriber.received, channel).slice(0, PER_CHANNEL)).toEqual([...Array(PER_CHANNEL).keys()]);
    // Replicas hear their shard's messages over the cluster bus, a little after the subscribers do.
    const published = channels.length * PER_CHANNEL + 5;
    const replicaTotal = (stats: Array<{ bus: string }>) =>
      cluster.nodes.reduce((sum, _, i) => sum + field(stats[i]!.bus, 'cluster_stats_messages_publishshard_received') - field(before[i]!.bus, 'cluster_stats_messages_publishshard_received'), 0);
    let after = before;
    await eventually(async () => {
      after = await Promise.all(cluster.nodes.map(async (node) => ({ stats: await node.command('INFO', 'commandstats'), bus: await node.command('CLUSTER', 'INFO') })));
      return replicaTotal(after) >= published;
    }, 5000, 50);

    const view = await cluster.view();
    const lines: string[] = [];
    for (const [i, node] of cluster.nodes.entries()) {
      const me = view.find((n) => n.port === node.port)!;
      const shardMaster = me.role === 'master' ? me : view.find((n) => n.id === me.masterId)!;
      const owned = byShard.get(shardMaster.port)!;
      const expected = owned.length * PER_CHANNEL;
      const spublish = field(after[i]!.stats, 'cmdstat_spublish:calls') - field(before[i]!.stats, 'cmdstat_spublish:calls');
      const evalsha = field(after[i]!.stats, 'cmdstat_evalsha:calls') + field(after[i]!.stats, 'cmdstat_eval:calls') - field(before[i]!.stats, 'cmdstat_evalsha:calls') - field(before[i]!.stats, 'cmdstat_eval:calls');
      const shardBus = field(after[i]!.bus, 'cluster_stats_messages_publishshard_received') - field(before[i]!.bus, 'cluster_stats_messages_publishshard_received');
      const classicBus = field(after[i]!.bus, 'cluster_stats_messages_publish_received') - field(before[i]!.bus, 'cluster_stats_messages_publish_received');
      const scripted = shardMaster.port === masters[0]!.port ? 5 : 0;
      if (me.role === 'master') {
        // commandstats counts the SPUBLISH inside each history script too.
        expect(spublish, `SPUBLISH on master ${node.port}`).toBe(expected + scripted);
        expect(evalsha, `history scripts on master ${node.port}`).toBe(scripted);
        expect(shardBus, `shard messages from other nodes on master ${node.port}`).toBe(0);
      } else {
        // A shard's messages are propagated over the cluster bus to its own replicas, and nowhere else.
        expect(spublish).toBe(0);
        expect(shardBus, `shard messages received by replica ${node.port} of ${shardMaster.port}`).toBe(expected + scripted);
      }
      expect(classicBus, `classic publishes broadcast to ${node.port}`).toBe(0);
      lines.push(`${me.role} ${node.port}${me.role === 'replica' ? ` (of ${shardMaster.port})` : ''}: ${owned.length} channels, SPUBLISH ${spublish}, scripts ${evalsha}, shard messages over the bus ${shardBus}`);
    }
    console.log(`[redis-cluster] traffic split, ${PER_CHANNEL} messages on each of 30 channels + 5 history publications:\n  ${lines.join('\n  ')}`);

    // For comparison: a classic PUBLISH reaches every node of the cluster over its bus.
    const classicBefore = await Promise.all(cluster.nodes.map((node) => node.command('CLUSTER', 'INFO')));
    for (let i = 0; i < 10; i++) await cluster.nodes[0]!.command('PUBLISH', `${PREFIX}classic-demo`, 'x');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const classicAfter = await Promise.all(cluster.nodes.map((node) => node.command('CLUSTER', 'INFO')));
    const classicSpread = cluster.nodes.slice(1).map((_, i) => field(classicAfter[i + 1]!, 'cluster_stats_messages_publish_received') - field(classicBefore[i + 1]!, 'cluster_stats_messages_publish_received'));
    console.log(`[redis-cluster] 10 classic PUBLISH on one node reached each of the other ${classicSpread.length} nodes: ${classicSpread.join(', ')}`);
    expect(classicSpread.every((count) => count >= 10)).toBe(true);
  });

  it('follows a channel through a slot migration: resubscribed on the new owner, published there, history in a new epoch', async () => {
    const [publisher, subscriber] = [await startNode(), await startNode()];
    const channel = 'moving:1';
    await subscriber.bus.follow(channel);
    const before = await publisher.history.publish(broadcast(channel, 'before'), HISTORY);
    await eventually(() => payloads(subscriber.received, channel).length === 1);
    const source = await owner(channel);
    const target = (await cluster.masters()).find((master) => master.port !== source.port)!;
    await cluster.migrateSlot(keySlot(shardChannel(channel)), target.port);
    // Redis drops the shard subscription on the old owner (an unsolicited SUNSUBSCRIBE); the node moves it.
    await eventually(async () => Number((await target.server.command('PUBSUB', 'SHARDNUMSUB', shardChannel(channel))).split('\n')[1]) === 1, 10_000, 20);
    expect(Number((await source.command('PUBSUB', 'SHARDNUMSUB', shardChannel(channel))).split('\n')[1])).toBe(0);
    await readyWithin([subscriber, publisher], 10_000);
    // The publisher's slot map follows (MOVED, then a refresh): live and history publishes land on the new owner.
    await eventually(() => publisher.bus.publish(broadcast(channel, 'after')).then(() => true, () => false), 10_000, 50);
    const after = await publisher.history.publish(broadcast(channel, 'after-history'), HISTORY);
    await eventually(() => payloads(subscriber.received, channel).includes('after-history'), 10_000, 20);
    expect(payloads(subscriber.received, channel).filter((payload) => payload === 'after')).toHaveLength(1);
    // The stream moved with its slot; its new master did not write it, so it is a new epoch.
    expect(after.offset).toBeGreaterThan(before.offset);
    expect(after.epoch).not.toBe(before.epoch);
    const page = await subscriber.history.read(channel, { since: before.offset - 1, limit: 10 }, HISTORY);
    expect(page.position).toEqual(after);
    expect(page.publications.map((m) => JSON.parse(m.frame).data.payload)).toEqual(['before', 'after-history']);
  });

  it('follows a manual failover: the demoted master drops the subscription, the promoted replica gets it', async () => {
    const subscriber = await startNode();
    const publisher = await startNode();
    const channel = 'manual-failover:1';
    await subscriber.bus.follow(channel);
    const oldMaster = await owner(channel);
    const view = await cluster.view();
    const oldId = view.find((node) => node.port === oldMaster.port)!.id;
    const replica = cluster.node(view.find((node) => node.masterId === oldId)!.port);
    const began = Date.now();
    await replica.command('CLUSTER', 'FAILOVER');
    await eventually(async () => (await owner(channel)) === replica, 10_000, 20);
    await eventually(async () => Number((await replica.command('PUBSUB', 'SHARDNUMSUB', shardChannel(channel))).split('\n')[1]) === 1, 10_000, 20);
    await readyWithin([subscriber, publisher], 10_000);
    console.log(`[redis-cluster] manual failover: subscription moved to the promoted replica ${Date.now() - began} ms after CLUSTER FAILOVER`);
    await eventually(() => publisher.bus.publish(broadcast(channel, 'on-new-master')).then(() => true, () => false), 10_000, 50);
    await eventually(() => payloads(subscriber.received, channel).includes('on-new-master'), 10_000, 20);
    expect(payloads(subscriber.received, channel)).toEqual(['on-new-master']);
    await cluster.waitHealthy();
  });

  it('a shard without any reachable node: its channels fail fast, the other shards keep flowing, all recover when it returns', async () => {
    const [publisher, subscriber] = [await startNode(), await startNode()];
    const channels = [...Array(12).keys()].map((i) => `outage:${i}`);
    for (const channel of channels) await subscriber.bus.follow(channel);
    const masters = await cluster.masters();
    const victim = masters[0]!;
    const lost = await channelsOn(victim.port, channels);
    const kept = channels.filter((channel) => !lost.includes(channel));
    expect(lost.length).toBeGreaterThan(0);
    expect(kept.length).toBeGreaterThan(0);
    const view = await cluster.view();
    const shard = [victim.server, ...view.filter((node) => node.masterId === victim.id).map((node) => cluster.node(node.port))];
    await Promise.all(shard.map((server) => server.kill()));
    await eventually(() => !subscriber.bus.health().ready, 10_000, 20);
    console.log(`[redis-cluster] shard down: ${subscriber.bus.health().detail}`);
    // The other shards: published and delivered while the shard is away.
    for (const channel of kept) await publisher.bus.publish(broadcast(channel, 'during'));
    await eventually(() => kept.every((channel) => payloads(subscriber.received, channel).includes('during')), 10_000, 20);
    // The lost shard's channels: refused at once, never silently dropped.
    for (const channel of lost) {
      const began = Date.now();
      await expect(publisher.bus.publish(broadcast(channel, 'lost'))).rejects.toBeInstanceOf(TransportUnavailableError);
      expect(Date.now() - began).toBeLessThan(3000);
    }
    const back = Date.now();
    await Promise.all(shard.map((server) => server.restart()));
    const readyMs = await readyWithin([subscriber, publisher], 30_000);
    console.log(`[redis-cluster] shard back: nodes ready ${readyMs} ms after its servers restarted`);
    for (const channel of lost) await eventually(() => publisher.bus.publish(broadcast(channel, 'back')).then(() => true, () => false), 10_000, 50);
    await eventually(() => lost.every((channel) => payloads(subscriber.received, channel).includes('back')), 10_000, 20);
    expect(lost.every((channel) => !payloads(subscriber.received, channel).includes('lost'))).toBe(true);
    expect(Date.now() - back).toBeLessThan(30_000);
    await cluster.waitHealthy(60_000);
  });

  it('a lossy failover (the replica missed the last writes): offsets the subscribers saw are not handed out again under their epoch', async () => {
    const publisher = await startNode();
    const victim = (await cluster.masters())[2]!;
    const channel = (await channelsOn(victim.port, [...Array(40).keys()].map((i) => `lossy:${i}`)))[0]!;
    const replica = cluster.node((await cluster.view()).find((node) => node.masterId === victim.id)!.port);
    await publisher.history.publish(broadcast(channel, 'replicated'), HISTORY);
    await eventually(async () => (await replica.command('INFO', 'replication')).includes(`master_repl_offset:${field(await victim.server.command('INFO', 'replication'), 'master_repl_offset')}`), 5000, 20);
    // Freeze the replica, acknowledge three publications it never gets, kill the master, thaw the replica.
    const replicaPid = await pidOf(replica);
    process.kill(replicaPid, 'SIGSTOP');
    let last;
    try {
      for (let i = 0; i < 3; i++) last = await publisher.history.publish(broadcast(channel, `lost-${i}`), HISTORY);
      await victim.server.kill();
    } finally {
      process.kill(replicaPid, 'SIGCONT');
    }
    const killed = Date.now();
    await eventually(async () => (await owner(channel)) === replica, 30_000, 50);
    await readyWithin([publisher], 30_000);
    // (The multi-node failover test, test/multinode/redis-failover.test.ts, measures this under real gateway nodes.)
    console.log(`[redis-cluster] lossy failover: ${replica.port} promoted, node ready again ${Date.now() - killed} ms after the kill`);
    // New publications on the promoted replica: without the epoch guard they would reuse the lost offsets.
    let next;
    for (let i = 0; i < 5; i++) next = await eventually(() => publisher.history.publish(broadcast(channel, `new-${i}`), HISTORY).catch(() => undefined), 10_000, 50);
    const page = await publisher.history.read(channel, { since: last!.offset, limit: 10 }, HISTORY);
    expect(page.position.epoch).not.toBe(last!.epoch);
    expect(page.position).toEqual(next);
    expect(page.publications.map((m) => JSON.parse(m.frame).data.payload)).not.toContain('lost-0');
    await cluster.restart();
  });
});
