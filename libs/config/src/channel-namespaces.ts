import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { ChannelNamespace, HistoryConfig, PresenceConfig } from './config.js';
import { ConfigError } from './config-error.js';
import { CHANNEL_PATTERN_RULE, type Env, splitList } from './config.schema.js';

const int = (min: number, max: number) => z.number().int().min(min).max(max);

/**
 * CHANNELS_CONFIG: a JSON file of per-namespace options, for when one HISTORY_SIZE and
 * HISTORY_TTL_S for every namespace is not enough. Namespaces are tried in order; the
 * first whose pattern matches a channel decides its options.
 *
 *   { "namespaces": [
 *       { "channels": "orders:*", "history": { "size": 1000, "ttlSeconds": 86400 } },
 *       { "channels": "chat:*",   "history": { "size": 50 } },
 *       { "channels": "ticker:*" } ] }          // no history
 *
 * `"presence": true` on a namespace turns presence on for its channels (docs/protocol.md "Presence").
 */
const channelsFile = z
  .object({
    namespaces: z.array(
      z
        .object({
          channels: z.string().regex(CHANNEL_PATTERN_RULE, 'must be *, prefix* or a channel name'),
          history: z.object({ size: int(1, 1_000_000).optional(), ttlSeconds: int(1, 30 * 86_400).optional() }).strict().optional(),
          presence: z.boolean().optional(),
        })
        .strict(),
    ),
  })
  .strict();

function readChannelsFile(path: string): z.infer<typeof channelsFile> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError([`CHANNELS_CONFIG=${JSON.stringify(path)}: cannot read it as JSON (${(error as Error).message})`]);
  }
  const parsed = channelsFile.safeParse(json);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `CHANNELS_CONFIG=${JSON.stringify(path)}: ${issue.path.join('.') || '(file)'}: ${issue.message}`));
  }
  return parsed.data;
}

/** Which channels keep history, and how much: CHANNELS_CONFIG's namespaces first, then HISTORY_CHANNELS. */
export function channelNamespaces(env: Env): HistoryConfig {
  const defaults = { size: env.HISTORY_SIZE, ttlSeconds: env.HISTORY_TTL_S };
  const fromFile: ChannelNamespace[] = env.CHANNELS_CONFIG
    ? readChannelsFile(env.CHANNELS_CONFIG).namespaces.map((namespace) => ({
        pattern: namespace.channels,
        history: namespace.history && { ...defaults, ...namespace.history },
      }))
    : [];
  const fromEnv = splitList(env.HISTORY_CHANNELS).map((pattern) => ({ pattern, history: defaults }));
  return { namespaces: [...fromFile, ...fromEnv], recoveryMaxMessages: env.RECOVERY_MAX_MESSAGES };
}

/** Which channels have presence: CHANNELS_CONFIG's namespaces first (`presence`, false when absent), then PRESENCE_CHANNELS. */
export function presenceNamespaces(env: Env): PresenceConfig {
  const fromFile = env.CHANNELS_CONFIG ? readChannelsFile(env.CHANNELS_CONFIG).namespaces.map((namespace) => ({ pattern: namespace.channels, presence: namespace.presence ?? false })) : [];
  const fromEnv = splitList(env.PRESENCE_CHANNELS).map((pattern) => ({ pattern, presence: true }));
  return { namespaces: [...fromFile, ...fromEnv] };
}
