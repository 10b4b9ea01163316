import { startRedis } from '../../infra/redis-server.js';
import type { ClusterBus } from './bus.js';

export async function startRedisBus(): Promise<ClusterBus> {
  const server = await startRedis();
  const prefix = 'mn:';
  return {
    name: 'redis',
    env: { TRANSPORT: 'redis', REDIS_URL: server.url, REDIS_PREFIX: prefix },
    kill: () => server.kill(),
    restart: () => server.restart(),
    stop: () => server.stop(),
    followers: async (channel) => {
      const reply = await server.command('PUBSUB', 'NUMSUB', `${prefix}ch:${channel}`);
      return Number(reply.split('\n')[1]);
    },
    dropSubscribers: async () => {
      await server.command('CLIENT', 'KILL', 'TYPE', 'pubsub');
    },
    recoveryBudgetMs: 20_000,
  };
}
