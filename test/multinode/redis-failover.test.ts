import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keySlot } from '../../libs/transport/src/redis/redis-slots.js';
import { startRedisCluster } from '../infra/redis-cluster.js';
import { startRedisSentinel } from '../infra/redis-sentinel.js';
import { eventually, type GatewayProcess, startGatewayProcess } from '../support/gateway-process.js';
import { getJson, postJson } from '../support/http.js';
import { isMessageOn, TestClient } from '../support/test-client.js';

/**
 * A Redis master killed under three real gateway nodes, in the two modes that have
 * replicas to take over: Redis Cluster (the dead master's replica is promoted; the other
 * shards never stop) and Sentinel (the sentinels promote the replica). The nodes are not
 * restarted: readiness drops, publishes on what has no master are refused, and within
 * 30 s everything is back on the promoted replica. A subscriber that comes back with its
 * position recovers what it missed, or is told `recovered: false` — never a silent gap.
 */
const PREFIX = 'mf:';

interface FailoverBus {
  name: string;
  env: Record<string, string>;
  /** Channels on the master that will be killed, and (cluster) channels on another shard. */
  pickChannels(): Promise<{ affected: string; elsewhere?: string }>;
  /** SIGKILLs the master serving `channel`; resolves once the bus has promoted a replica. */
  killMasterOf(channel: string): Promise<{ killedAt: number; promoted: Promise<void> }>;
  restore(): Promise<void>;
  stop(): Promise<void>;
}

async function clusterBus(): Promise<FailoverBus> {
  const password = 'failover-cluster';
  const cluster = await startRedisCluster({ password });
  const shardChannel = (channel: string) => `${PREFIX}ch:{${channel}}`;
  const ownerPort = async (channel: string) => (await cluster.ownerOf(keySlot(shardChannel(channel)))).port;
  return {
    name: 'redis-cluster',
    env: { TRANSPORT: 'redis', REDIS_MODE: 'cluster', REDIS_CLUSTER_NODES: cluster.seeds, REDIS_PASSWORD: password, REDIS_PREFIX: PREFIX },
    async pickChannels() {
      const candidates = [...Array(40).keys()].map((i) => `fo:${i}`);
      const affected = candidates[0]!;
      const victim = await ownerPort(affected);
      for (const channel of candidates.slice(1)) if ((await ownerPort(channel)) !== victim) return { affected, elsewhere: channel };
      throw new Error('no channel on another shard');
    },
    async killMasterOf(channel) {
      const victim = await cluster.ownerOf(keySlot(shardChannel(channel)));
      await victim.kill();
      return { killedAt: Date.now(), promoted: eventually(async () => (await cluster.ownerOf(keySlot(shardChannel(channel)))) !== victim, 30_000, 50).then(() => undefined) };
    },
    restore: () => cluster.restart(),
    stop: () => cluster.stop(),
  };
}

async function sentinelBus(): Promise<FailoverBus> {
  const [password, sentinelPassword] = ['failover-data', 'failover-sentinel'];
  const set = await startRedisSentinel({ password, sentinelPassword });
  return {
    name: 'redis-sentinel',
    env: {
      TRANSPORT: 'redis',
      REDIS_MODE: 'sentinel',
      REDIS_SENTINELS: set.addresses,
      REDIS_SENTINEL_MASTER: set.masterName,
      REDIS_PASSWORD: password,
      REDIS_SENTINEL_PASSWORD: sentinelPassword,
      REDIS_PREFIX: PREFIX,
    },
    pickChannels: async () => ({ affected: 'fo:0' }),
    async killMasterOf() {
      const master = await set.master();
      await master.kill();
      return { killedAt: Date.now(), promoted: set.waitForMaster({ not: master, replicaSynced: false }).then(() => undefined) };
    },
    restore: () => set.restart(),
    stop: () => set.stop(),
  };
}

describe.each([
  ['redis-cluster', clusterBus],
  ['redis-sentinel', sentinelBus],
])('a master killed under a 3-node cluster on %s', (_name, startBus) => {
  let bus: FailoverBus;
  let nodes: GatewayProcess[];
  const clients: TestClient[] = [];
  const connect = async (node: GatewayProcess) => {
    const client = await TestClient.connect(node.ws);
    clients.push(client);
    return client;
  };
  const ready = async (node: GatewayProcess) => (await getJson(`${node.http}/health/ready`)).status === 200;
  const publish = (node: GatewayProcess, channel: string, payload: unknown) => postJson(`${node.http}/api/publish`, { channel, payload });

  beforeAll(async () => {
    bus = await startBus();
    const env = { ...bus.env, HISTORY_CHANNELS: 'fo:*', NODE_HEARTBEAT_MS: '500', RATE_LIMIT_PER_SEC: '5000', RATE_LIMIT_BURST: '5000' };
    nodes = await Promise.all(['a', 'b', 'c'].map((name) => startGatewayProcess({ ...env, NODE_ID: `${bus.name}-fo-${name}` })));
    for (const node of nodes) await eventually(() => ready(node), 30_000);
  });

  afterAll(async () => {
    clients.forEach((client) => client.close());
    await Promise.all((nodes ?? []).map((node) => node.kill()));
    await bus?.stop();
  });

  it('readiness drops and returns within 30 s, nothing is lost silently, and positions of the old master are told epoch_changed', async () => {
    const [a, b, c] = nodes as [GatewayProcess, GatewayProcess, GatewayProcess];
    const { affected, elsewhere } = await bus.pickChannels();
    const channels = elsewhere ? [affected, elsewhere] : [affected];
    // A live subscriber on B stays connected until its node learns history broke; one on C leaves and comes back with its position.
    const live = await connect(b);
    const leaving = await connect(c);
    for (const channel of channels) {
      await live.subscribe(channel);
      await leaving.subscribe(channel);
    }
    const since: Record<string, { offset: number; epoch: string }> = {};
    let liveSince: { offset: number; epoch: string } | undefined;
    for (const channel of channels) {
      expect((await publish(a, channel, 'before')).status).toBe(202);
      const frame = await leaving.next(isMessageOn(channel));
      since[channel] = { offset: frame.data.offset, epoch: frame.data.epoch };
      const seen = await live.next(isMessageOn(channel));
      if (channel === affected) liveSince = { offset: seen.data.offset, epoch: seen.data.epoch };
    }
    leaving.close();
    await leaving.closed;

    const { killedAt, promoted } = await bus.killMasterOf(affected);
    for (const node of nodes) await eventually(async () => !(await ready(node)), 10_000, 20);
    const notReadyMs = Date.now() - killedAt;
    // While the master is gone: refused, never queued or dropped.
    const refused = await publish(a, affected, 'refused');
    expect(refused.status).toBe(503);
    expect(refused.body.code).toBe('TRANSPORT_UNAVAILABLE');
    // Cluster: the other shards keep flowing through the failover, published and delivered live.
    const during: number[] = [];
    if (elsewhere) {
      for (let i = 0; i < 5; i++) {
        const response = await publish(a, elsewhere, `during-${i}`);
        expect(response.status).toBe(202);
        during.push(response.body.offset);
      }
      expect((await live.collect(isMessageOn(elsewhere), 5, 5000)).map((frame) => frame.data.payload)).toEqual([0, 1, 2, 3, 4].map((i) => `during-${i}`));
    }
    await promoted;
    for (const node of nodes) await eventually(() => ready(node), 30_000, 50);
    const readyMs = Date.now() - killedAt;
    console.log(`[${bus.name}] master killed: every node not ready after ${notReadyMs} ms, ready again ${readyMs} ms after the kill`);
    expect(readyMs).toBeLessThan(30_000);

    // The live subscriber on B may have missed writes the dead master took with it, and history
    // cannot say: no silent gap, its node closes it (1011) when the bus is back, and on
    // resubscribing with its position it is told plainly.
    expect((await live.closed).code).toBe(1011);
    const relive = await connect(b);
    expect((await relive.request('subscribe', { channel: affected, since: liveSince })).data).toMatchObject({ recovered: false, reason: 'epoch_changed' });
    // Broadcast resumes on the promoted replica without restarting nodes; the resubscribed client on B hears it.
    await eventually(async () => (await publish(c, affected, 'after')).status === 202, 10_000, 100);
    expect((await relive.next((frame) => isMessageOn(affected)(frame) && frame.data.payload === 'after', 10_000)).data.node).toBe(c.nodeId);
    // The nodes still see each other: control traffic survived the failover.
    for (const node of nodes) {
      await eventually(async () => {
        const view = (await getJson(`${node.http}/api/nodes`)).body as Array<{ status: string }>;
        return view.length === 3 && view.every((n) => n.status === 'ready');
      }, 10_000);
    }

    // The subscriber comes back on A with its positions.
    const back = await connect(a);
    const affectedReply = await back.request('subscribe', { channel: affected, since: since[affected] });
    // The promoted replica cannot prove it has every write the dead master acknowledged: a new epoch, said plainly.
    expect(affectedReply.data).toMatchObject({ recovered: false, reason: 'epoch_changed' });
    expect(affectedReply.data.epoch).not.toBe(since[affected]!.epoch);
    if (elsewhere) {
      // A shard whose master never changed: exactly what was published during the failover.
      const reply = await back.request('subscribe', { channel: elsewhere, since: since[elsewhere] });
      expect(reply.data).toMatchObject({ recovered: true, epoch: since[elsewhere]!.epoch });
      const recovered = await back.collect(isMessageOn(elsewhere), 5);
      expect(recovered.map((frame) => frame.data.offset)).toEqual(during);
      expect(await back.countWithin(isMessageOn(elsewhere), 300)).toBe(0);
    }
    // And the live stream goes on in the new epoch.
    await publish(b, affected, 'new-epoch');
    expect((await back.next(isMessageOn(affected))).data).toMatchObject({ payload: 'new-epoch', epoch: affectedReply.data.epoch });
    await bus.restore();
  });
});
