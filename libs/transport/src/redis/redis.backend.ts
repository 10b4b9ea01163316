import { z } from 'zod';
import { defineBackend } from '../backend.js';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export interface RedisTransportOptions {
  /** redis:// or rediss:// URL. */
  url: string;
  /** Prepended to every Redis key and channel name, so several clusters can share one server. */
  prefix: string;
  /**
   * How long a channel's offset and epoch outlive its last publication. Longer than the
   * history TTL on purpose: a subscriber that comes back after its history expired is
   * told `too_old` (same epoch, missing publications) rather than `epoch_changed`.
   */
  historyMetaTtlSeconds: number;
}

export const redisBackend = defineBackend({
  name: 'redis',
  env: z.object({
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
    REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.:-]{0,64}$/, 'must be up to 64 characters from A-Za-z0-9_.:-').default('sb:'),
    REDIS_HISTORY_META_TTL_S: int(1, 365 * 86_400).default(30 * 86_400),
  }),
  options: (env): RedisTransportOptions => ({ url: env.REDIS_URL, prefix: env.REDIS_PREFIX, historyMetaTtlSeconds: env.REDIS_HISTORY_META_TTL_S }),
  describe: (options) => redactedUrl(options.url),
  async create(options) {
    const { RedisTransport } = await import('./redis.transport.js');
    const { RedisHistory } = await import('./redis.history.js');
    const bus = new RedisTransport(options);
    return { bus, history: new RedisHistory(bus, options) };
  },
});

export function redactedUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
