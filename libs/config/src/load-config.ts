import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { type RpcConfig, rpcConfigOf, rpcEnvSchema } from '#libs/rpc';
import { type TransportBackend, transportBackends } from '#libs/transport';
import { channelNamespaces, presenceNamespaces } from './channel-namespaces.js';
import type { AuthConfig, JwtKeyConfig, OriginPolicyConfig, SwitchboardConfig, TransportConfig } from './config.js';
import { ConfigError } from './config-error.js';
import { envSchema, type Env } from './config.schema.js';

export function describeIssue(issue: z.core.$ZodIssue, env: Record<string, string | undefined>): string {
  const variable = String(issue.path[0] ?? '(environment)');
  const got = env[variable];
  const allowed = issue.code === 'invalid_value' ? ` (allowed: ${issue.values.map(String).join(', ')})` : '';
  return `${variable}=${JSON.stringify(got ?? '')}: ${issue.message}${allowed}`;
}

function authConfig(env: Env): AuthConfig {
  const origins: OriginPolicyConfig =
    env.ALLOWED_ORIGINS === '*'
      ? { kind: 'any' }
      : env.ALLOWED_ORIGINS === 'same-origin'
        ? { kind: 'same-origin' }
        : { kind: 'list', origins: env.ALLOWED_ORIGINS.split(',').map((origin) => origin.trim()) };
  const keys: JwtKeyConfig[] = [];
  if (env.AUTH_JWT_SECRET) keys.push({ kind: 'secret', secret: env.AUTH_JWT_SECRET });
  // A PEM in a one-line env file usually arrives with literal \n for its line breaks.
  if (env.AUTH_JWT_PUBLIC_KEY) keys.push({ kind: 'public-key', pem: env.AUTH_JWT_PUBLIC_KEY.replace(/\\n/g, '\n') });
  if (env.AUTH_JWKS_URL) keys.push({ kind: 'jwks', url: env.AUTH_JWKS_URL });
  if (keys.length > 1) {
    throw new ConfigError(['AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY and AUTH_JWKS_URL: set at most one of them']);
  }
  const key = keys[0];
  if (key?.kind === 'public-key') {
    try {
      const publicKey = createPublicKey(key.pem);
      const type = publicKey.asymmetricKeyType;
      const curve = publicKey.asymmetricKeyDetails?.namedCurve;
      if (type !== 'rsa' && !(type === 'ec' && curve === 'prime256v1')) throw new Error(`${type} ${curve ?? ''} key`);
    } catch (error) {
      throw new ConfigError([`AUTH_JWT_PUBLIC_KEY: not a usable public key (${(error as Error).message}); use an RSA key (RS256) or an EC P-256 key (ES256)`]);
    }
  }
  return {
    origins,
    jwt: key && { ...key, audience: env.AUTH_JWT_AUDIENCE, issuer: env.AUTH_JWT_ISSUER, channelsClaim: env.AUTH_CHANNELS_CLAIM, rpcClaim: env.AUTH_RPC_CLAIM },
  };
}

/** The chosen backend validates its own variables (its descriptor's env schema). */
/** `schema`'s reading of the environment, or a ConfigError naming every bad variable (as the user wrote it, in `raw`). */
function validated<T>(schema: z.ZodType<T>, env: Record<string, string | undefined>, raw: Record<string, string | undefined> = env): T {
  const parsed = schema.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((issue) => describeIssue(issue, raw)));
  return parsed.data;
}

function transportConfig(env: Env, source: Record<string, string | undefined>): TransportConfig {
  const backend = transportBackends[env.TRANSPORT] as TransportBackend;
  return { kind: env.TRANSPORT, options: backend.options(validated(backend.env, source)) } as TransportConfig;
}

/** RPC's own variables, then (when RPC_BACKEND names one) its backend's. */
function rpcConfig(source: Record<string, string | undefined>, nodeId: string): RpcConfig {
  const built = rpcConfigOf(validated(rpcEnvSchema, source), source, nodeId);
  if (!built.ok) throw new ConfigError(built.issues.map((issue) => describeIssue(issue, source)));
  return built.config;
}

/** The drain delay is spent inside the shutdown budget: a delay that uses it all up could never close a client cleanly. */
function shutdownConfig(env: Env): SwitchboardConfig['shutdown'] {
  if (env.DRAIN_DELAY_MS > 0 && env.DRAIN_DELAY_MS >= env.SHUTDOWN_TIMEOUT_MS) {
    throw new ConfigError([
      `DRAIN_DELAY_MS=${JSON.stringify(String(env.DRAIN_DELAY_MS))}: must be less than SHUTDOWN_TIMEOUT_MS (${env.SHUTDOWN_TIMEOUT_MS}), which the delay is part of`,
    ]);
  }
  return {
    timeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    drainDelayMs: env.DRAIN_DELAY_MS,
    drainBatch: env.DRAIN_BATCH,
    drainIntervalMs: env.DRAIN_INTERVAL_MS,
  };
}

/** The version of the running build, read from the nearest package.json (src/ and dist/ alike). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) return (JSON.parse(readFileSync(candidate, 'utf8')) as { version: string }).version;
    const parent = dirname(dir);
    if (parent === dir) return '0.0.0';
    dir = parent;
  }
}

/**
 * Validates the environment once, at start-up. Empty strings count as unset so that
 * `FOO=` in a compose file means "use the default" rather than "invalid".
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): SwitchboardConfig {
  const env = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== ''));
  const e = validated(envSchema, env, source);
  return {
    port: e.PORT,
    host: e.HOST,
    nodeId: e.NODE_ID,
    version: packageVersion(),
    logLevel: e.LOG_LEVEL,
    transport: transportConfig(e, env),
    history: channelNamespaces(e),
    presence: presenceNamespaces(e),
    rpc: rpcConfig(env, e.NODE_ID),
    gateway: {
      path: e.WS_PATH,
      maxPayloadBytes: e.MAX_PAYLOAD_BYTES,
      pingIntervalMs: e.WS_PING_INTERVAL_MS,
      maxConnections: e.MAX_CONNECTIONS,
    },
    cluster: { heartbeatMs: e.NODE_HEARTBEAT_MS },
    api: { apiKey: e.API_KEY, docs: e.API_DOCS },
    admin: { token: e.ADMIN_TOKEN },
    auth: authConfig(e),
    limits: {
      ratePerSec: e.RATE_LIMIT_PER_SEC,
      rateBurst: e.RATE_LIMIT_BURST,
      invalidFramesPerMinute: e.INVALID_FRAMES_PER_MINUTE,
      maxSubscriptionsPerConnection: e.MAX_SUBSCRIPTIONS_PER_CONNECTION,
      maxConnectionsPerIp: e.MAX_CONNECTIONS_PER_IP,
      trustedProxies: e.TRUSTED_PROXIES.split(',').map((ip) => ip.trim()),
      maxBufferedBytes: e.MAX_BUFFERED_BYTES,
      writeTimeoutMs: e.WRITE_TIMEOUT_MS,
      httpHeadersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
    },
    shutdown: shutdownConfig(e),
    health: { eventLoopLagLimitMs: e.EVENT_LOOP_LAG_LIMIT_MS },
    loadBalancer: { agentPort: e.AGENT_PORT },
  };
}
