import { startRedisCluster } from '../../infra/redis-cluster.js';
import type { ClusterBus } from './bus.js';

/** The nodes on a 3-master Redis Cluster with a replica per master (REDIS_MODE=cluster, sharded pub/sub), behind a password. */
export async function startRedisClusterBus(): Promise<ClusterBus> {
  const password = 'mn-cluster-secret';
  const cluster = await startRedisCluster({ password });
  console.log(`[redis-cluster] ${cluster.nodes.length} nodes healthy in ${cluster.startupMs} ms`);
  const prefix = 'mn:';
  return {
    name: 'redis-cluster',
    env: { TRANSPORT: 'redis', REDIS_MODE: 'cluster', REDIS_CLUSTER_NODES: cluster.seeds, REDIS_PASSWORD: password, REDIS_PREFIX: prefix },
    kill: () => cluster.kill(),
    restart: async () => {
      const began = Date.now();
      await cluster.restart();
      console.log(`[redis-cluster] restarted and healthy in ${Date.now() - began} ms`);
    },
    stop: () => cluster.stop(),
    // Sharded subscriptions live on the master that owns the channel's slot (and only there).
    followers: async (channel) => {
      const shardChannel = `${prefix}ch:{${channel}}`;
      const slot = Number(await cluster.nodes.find((node) => node.isRunning())!.command('CLUSTER', 'KEYSLOT', shardChannel));
      const owner = await cluster.ownerOf(slot);
      return Number((await owner.command('PUBSUB', 'SHARDNUMSUB', shardChannel)).split('\n')[1]);
    },
    recoveryBudgetMs: 30_000,
  };
}
