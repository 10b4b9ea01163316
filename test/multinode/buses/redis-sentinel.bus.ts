import { startRedisSentinel } from '../../infra/redis-sentinel.js';
import type { ClusterBus } from './bus.js';

/** The nodes on a Sentinel-managed master and replica (REDIS_MODE=sentinel), data nodes and sentinels behind passwords. */
export async function startRedisSentinelBus(): Promise<ClusterBus> {
  const [password, sentinelPassword] = ['mn-data-secret', 'mn-sentinel-secret'];
  const set = await startRedisSentinel({ password, sentinelPassword });
  console.log(`[redis-sentinel] master, replica and 3 sentinels ready in ${set.startupMs} ms`);
  const prefix = 'mn:';
  return {
    name: 'redis-sentinel',
    env: {
      TRANSPORT: 'redis',
      REDIS_MODE: 'sentinel',
      REDIS_SENTINELS: set.addresses,
      REDIS_SENTINEL_MASTER: set.masterName,
      REDIS_PASSWORD: password,
      REDIS_SENTINEL_PASSWORD: sentinelPassword,
      REDIS_PREFIX: prefix,
    },
    // The whole data tier (master and replica) goes; the sentinels stay.
    kill: () => set.kill(),
    restart: async () => {
      const began = Date.now();
      await set.restart();
      console.log(`[redis-sentinel] data nodes restarted in ${Date.now() - began} ms`);
    },
    stop: () => set.stop(),
    followers: async (channel) => Number((await (await set.master()).command('PUBSUB', 'NUMSUB', `${prefix}ch:${channel}`)).split('\n')[1]),
    recoveryBudgetMs: 30_000,
  };
}
