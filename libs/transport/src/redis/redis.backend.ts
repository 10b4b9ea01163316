import { z } from 'zod';
import { defineBackend } from '../backend.js';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const REDIS_MODES = ['single', 'cluster', 'sentinel'] as const;
export type RedisMode = (typeof REDIS_MODES)[number];

export interface RedisAddress {
  host: string;
  port: number;
}

interface Credentials {
  /** ACL user; without it, `password` authenticates the `default` user. */
  username?: string;
  password?: string;
}

/** One Redis server (or a proxy in front of one): today's default. */
export interface SingleRedis extends Credentials {
  mode?: 'single';
  /** redis:// or rediss:// URL; credentials may be in it instead of `username`/`password`. */
  url: string;
}

/**
 * Redis Cluster: channel traffic uses sharded pub/sub (SSUBSCRIBE/SPUBLISH), so a
 * channel's messages touch only the shard that owns its slot.
 */
export interface ClusterRedis extends Credentials {
  mode: 'cluster';
  /** Seed nodes; the rest of the cluster is discovered from them. */
  nodes: RedisAddress[];
  tls: boolean;
}

/** A master and its replicas watched by Sentinel: nodes follow the master Sentinel names. */
export interface SentinelRedis extends Credentials {
  mode: 'sentinel';
  sentinels: RedisAddress[];
  /** The name the sentinels monitor the master under (`sentinel monitor <name> …`). */
  masterName: string;
  /** Credentials of the sentinels themselves (their `requirepass`/ACL), when they have any. */
  sentinelUsername?: string;
  sentinelPassword?: string;
  tls: boolean;
}

export type RedisDeployment = SingleRedis | ClusterRedis | SentinelRedis;

export type RedisTransportOptions = RedisDeployment & {
  /** Prepended to every Redis key and channel name, so several clusters can share one server. */
  prefix: string;
  /**
   * How long a channel's offset and epoch outlive its last publication. Longer than the
   * history TTL on purpose: a subscriber that comes back after its history expired is
   * told `too_old` (same epoch, missing publications) rather than `epoch_changed`.
   */
  historyMetaTtlSeconds: number;
};

const DEFAULT_URL = 'redis://127.0.0.1:6379';
const ADDRESS = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9_.-]+)):(\d{1,5})$/;

/** `host:port,host:port` ([v6]:port for IPv6) → addresses; undefined when an entry is not one. */
export function parseAddresses(list: string): RedisAddress[] | undefined {
  const addresses: RedisAddress[] = [];
  for (const entry of list.split(',').map((item) => item.trim())) {
    const match = ADDRESS.exec(entry);
    const port = Number(match?.[3]);
    if (!match || port < 1 || port > 65_535) return undefined;
    addresses.push({ host: match[1] ?? match[2]!, port });
  }
  return addresses;
}

const addressList = z.string().refine((value) => parseAddresses(value) !== undefined, 'must be a comma-separated list of host:port ([v6 address]:port for IPv6)');
const secret = z.string().max(1024);

const env = z
  .object({
    REDIS_MODE: z.enum(REDIS_MODES).default('single'),
    REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
    REDIS_CLUSTER_NODES: addressList.optional(),
    REDIS_SENTINELS: addressList.optional(),
    REDIS_SENTINEL_MASTER: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'must be 1-128 characters from A-Za-z0-9_.:-').optional(),
    REDIS_USERNAME: secret.optional(),
    REDIS_PASSWORD: secret.optional(),
    REDIS_SENTINEL_USERNAME: secret.optional(),
    REDIS_SENTINEL_PASSWORD: secret.optional(),
    REDIS_TLS: z.enum(['true', 'false']).default('false'),
    REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.:-]{0,64}$/, 'must be up to 64 characters from A-Za-z0-9_.:-').default('sb:'),
    REDIS_HISTORY_META_TTL_S: int(1, 365 * 86_400).default(30 * 86_400),
  })
  .superRefine((e, ctx) => {
    const problem = (variable: string, message: string) => ctx.addIssue({ code: 'custom', path: [variable], message });
    /** Variables that mean nothing in the chosen mode: setting one is almost always a forgotten REDIS_MODE. */
    const onlyFor = (mode: RedisMode, variables: Array<keyof typeof e>) => {
      for (const variable of variables) {
        if (e[variable] !== undefined) problem(variable, `is only used with REDIS_MODE=${mode} (REDIS_MODE is ${e.REDIS_MODE}): set REDIS_MODE=${mode} or unset ${variable}`);
      }
    };
    const required = (variable: keyof typeof e) => {
      if (e[variable] === undefined) problem(variable, `is required with REDIS_MODE=${e.REDIS_MODE}`);
    };
    if (e.REDIS_MODE !== 'single' && e.REDIS_URL !== undefined) {
      problem('REDIS_URL', `is only used with REDIS_MODE=single; REDIS_MODE=${e.REDIS_MODE} connects through ${e.REDIS_MODE === 'cluster' ? 'REDIS_CLUSTER_NODES' : 'REDIS_SENTINELS'} (credentials: REDIS_USERNAME, REDIS_PASSWORD; TLS: REDIS_TLS)`);
    }
    if (e.REDIS_MODE !== 'cluster') onlyFor('cluster', ['REDIS_CLUSTER_NODES']);
    if (e.REDIS_MODE !== 'sentinel') onlyFor('sentinel', ['REDIS_SENTINELS', 'REDIS_SENTINEL_MASTER', 'REDIS_SENTINEL_USERNAME', 'REDIS_SENTINEL_PASSWORD']);
    if (e.REDIS_MODE === 'cluster') required('REDIS_CLUSTER_NODES');
    if (e.REDIS_MODE === 'sentinel') {
      required('REDIS_SENTINELS');
      required('REDIS_SENTINEL_MASTER');
    }
    if (e.REDIS_MODE === 'single') {
      if (e.REDIS_TLS === 'true') problem('REDIS_TLS', 'is only used with REDIS_MODE=cluster or sentinel; with REDIS_MODE=single use a rediss:// REDIS_URL');
      const url = e.REDIS_URL ? new URL(e.REDIS_URL) : undefined;
      if (url?.password && e.REDIS_PASSWORD !== undefined) problem('REDIS_PASSWORD', 'is set and REDIS_URL has a password too: keep one of them');
      if (url?.username && e.REDIS_USERNAME !== undefined) problem('REDIS_USERNAME', 'is set and REDIS_URL has a user name too: keep one of them');
    }
    if (e.REDIS_USERNAME !== undefined && e.REDIS_PASSWORD === undefined) problem('REDIS_USERNAME', 'needs REDIS_PASSWORD');
    if (e.REDIS_SENTINEL_USERNAME !== undefined && e.REDIS_SENTINEL_PASSWORD === undefined) problem('REDIS_SENTINEL_USERNAME', 'needs REDIS_SENTINEL_PASSWORD');
  });

function deployment(e: z.infer<typeof env>): RedisDeployment {
  const credentials: Credentials = {};
  if (e.REDIS_USERNAME !== undefined) credentials.username = e.REDIS_USERNAME;
  if (e.REDIS_PASSWORD !== undefined) credentials.password = e.REDIS_PASSWORD;
  const tls = e.REDIS_TLS === 'true';
  switch (e.REDIS_MODE) {
    case 'cluster':
      return { mode: 'cluster', nodes: parseAddresses(e.REDIS_CLUSTER_NODES!)!, ...credentials, tls };
    case 'sentinel': {
      const sentinel: SentinelRedis = { mode: 'sentinel', sentinels: parseAddresses(e.REDIS_SENTINELS!)!, masterName: e.REDIS_SENTINEL_MASTER!, ...credentials, tls };
      if (e.REDIS_SENTINEL_USERNAME !== undefined) sentinel.sentinelUsername = e.REDIS_SENTINEL_USERNAME;
      if (e.REDIS_SENTINEL_PASSWORD !== undefined) sentinel.sentinelPassword = e.REDIS_SENTINEL_PASSWORD;
      return sentinel;
    }
    default:
      return { mode: 'single', url: e.REDIS_URL ?? DEFAULT_URL, ...credentials };
  }
}

export const redisBackend = defineBackend({
  name: 'redis',
  env,
  options: (e): RedisTransportOptions => ({ ...deployment(e), prefix: e.REDIS_PREFIX, historyMetaTtlSeconds: e.REDIS_HISTORY_META_TTL_S }),
  describe: (options) => describeRedis(options),
  async create(options) {
    const { RedisHistory } = await import('./redis.history.js');
    const { ControlPresence } = await import('../base/control-presence.js');
    if (options.mode === 'cluster') {
      const { RedisClusterTransport } = await import('./redis-cluster.transport.js');
      const bus = new RedisClusterTransport(options);
      return { bus, history: new RedisHistory(bus, options), presence: new ControlPresence(bus) };
    }
    const { RedisTransport } = await import('./redis.transport.js');
    const bus = new RedisTransport(options);
    return { bus, history: new RedisHistory(bus, options), presence: new ControlPresence(bus) };
  },
});

const formatAddresses = (addresses: RedisAddress[]) => addresses.map(({ host, port }) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`)).join(',');

/** Where a deployment connects, for logs and health details; never a password. */
export function describeRedis(deployment: RedisDeployment): string {
  switch (deployment.mode) {
    case 'cluster':
      return `Redis Cluster via ${formatAddresses(deployment.nodes)}${deployment.tls ? ' (TLS)' : ''}`;
    case 'sentinel':
      return `Redis master "${deployment.masterName}" via sentinels ${formatAddresses(deployment.sentinels)}${deployment.tls ? ' (TLS)' : ''}`;
    default:
      return redactedUrl(deployment.url);
  }
}

export function redactedUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
