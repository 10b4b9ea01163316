import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { z } from 'zod';
import { TRANSPORT_NAMES } from '#libs/transport';

// Node ids travel inside bus messages and Prometheus labels: keep them to a
// charset that needs no escaping anywhere (no `|`, which the bus codec uses).
const NODE_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

const defaultNodeId = () => `${hostname().replace(/[^A-Za-z0-9_.:-]/g, '-').slice(0, 48)}-${process.pid}`;

/** `*`, `prefix*` or an exact channel name (the same patterns as token channel claims). */
export const CHANNEL_PATTERN_RULE = /^(\*|[A-Za-z0-9_.:@/-]{1,200}\*?)$/;
export const splitList = (value: string): string[] => value.split(',').map((item) => item.trim()).filter(Boolean);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const optionalSecret = z
  .string()
  .optional()
  .transform((value) => (value === '' ? undefined : value));

/**
 * Every environment variable Switchboard reads, with its default. README's
 * configuration table documents exactly these.
 */
export const envSchema = z.object({
  PORT: int(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  NODE_ID: z
    .string()
    .regex(NODE_ID_PATTERN, 'must be 1-64 characters from A-Za-z0-9_.:-')
    .default(defaultNodeId),
  TRANSPORT: z.enum(TRANSPORT_NAMES).default('memory'),
  WS_PATH: z
    .string()
    .regex(/^\/[A-Za-z0-9_.\/-]*$/, 'must be a URL path starting with /')
    .default('/ws'),
  MAX_PAYLOAD_BYTES: int(64, 64 * 1024 * 1024).default(65536),
  WS_PING_INTERVAL_MS: int(1000, 3_600_000).default(30_000),
  NODE_HEARTBEAT_MS: int(100, 60_000).default(2000),
  API_KEY: optionalSecret,
  ADMIN_TOKEN: optionalSecret,
  API_DOCS: z.enum(['ui', 'json', 'off']).default('ui'),
  ALLOWED_ORIGINS: z
    .string()
    .refine(
      (value) => value === '*' || value === 'same-origin' || value.split(',').every((origin) => /^https?:\/\/[^\s/,]+$/.test(origin.trim())),
      'must be *, same-origin, or a comma-separated list of origins like https://app.example.com',
    )
    .default('same-origin'),
  AUTH_JWT_SECRET: optionalSecret.refine((value) => value === undefined || value.length >= 32, 'must be at least 32 characters (HS256 needs a 256-bit key)'),
  AUTH_JWT_PUBLIC_KEY: optionalSecret.refine((value) => value === undefined || value.includes('-----BEGIN PUBLIC KEY-----'), 'must be a PEM public key (-----BEGIN PUBLIC KEY-----)'),
  AUTH_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  AUTH_JWT_AUDIENCE: z.string().min(1).optional(),
  AUTH_JWT_ISSUER: z.string().min(1).optional(),
  RATE_LIMIT_PER_SEC: int(1, 1_000_000).default(50),
  RATE_LIMIT_BURST: int(1, 1_000_000).default(100),
  INVALID_FRAMES_PER_MINUTE: int(1, 1_000_000).default(30),
  MAX_SUBSCRIPTIONS_PER_CONNECTION: int(1, 100_000).default(128),
  MAX_CONNECTIONS_PER_IP: int(0, 10_000_000).default(1000),
  TRUSTED_PROXIES: z
    .string()
    .refine((value) => value.split(',').every((ip) => isIP(ip.trim()) !== 0), 'must be a comma-separated list of IP addresses')
    .default('127.0.0.1,::1,::ffff:127.0.0.1'),
  MAX_BUFFERED_BYTES: int(1024, 1024 * 1024 * 1024).default(1024 * 1024),
  WRITE_TIMEOUT_MS: int(100, 600_000).default(10_000),
  HTTP_HEADERS_TIMEOUT_MS: int(100, 600_000).default(10_000),
  AUTH_CHANNELS_CLAIM: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 characters from A-Za-z0-9_.:-').default('channels'),
  // The token claim listing the rpc methods a connection may call (docs/rpc.md); RPC_* variables live in libs/rpc.
  AUTH_RPC_CLAIM: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 characters from A-Za-z0-9_.:-').default('rpc'),
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(10_000),
  // Load balancing and drain (README "Operations"; deploy/README.md).
  MAX_CONNECTIONS: int(0, 10_000_000).default(0),
  AGENT_PORT: int(1, 65535).optional(),
  EVENT_LOOP_LAG_LIMIT_MS: int(10, 60_000).default(1000),
  DRAIN_DELAY_MS: int(0, 600_000).default(3000),
  DRAIN_BATCH: int(1, 1_000_000).default(100),
  DRAIN_INTERVAL_MS: int(0, 60_000).default(50),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // History and recovery (docs/protocol.md "Recovery"); the backends' own variables live
  // with each backend (libs/transport/src/<backend>/<backend>.backend.ts).
  HISTORY_CHANNELS: z
    .string()
    .refine((value) => splitList(value).every((pattern) => CHANNEL_PATTERN_RULE.test(pattern)), 'must be a comma-separated list of channel patterns like chat:*,orders:*')
    .default(''),
  PRESENCE_CHANNELS: z
    .string()
    .refine((value) => splitList(value).every((pattern) => CHANNEL_PATTERN_RULE.test(pattern)), 'must be a comma-separated list of channel patterns like chat:*,rooms:*')
    .default(''),
  HISTORY_SIZE: int(1, 1_000_000).default(100),
  HISTORY_TTL_S: int(1, 30 * 86_400).default(300),
  RECOVERY_MAX_MESSAGES: int(1, 100_000).default(1000),
  CHANNELS_CONFIG: z.string().min(1).optional(),
});

export type Env = z.infer<typeof envSchema>;
