import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { z } from 'zod';

// Node ids travel inside bus messages and Prometheus labels: keep them to a
// charset that needs no escaping anywhere (no `|`, which the bus codec uses).
const NODE_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

const defaultNodeId = () => `${hostname().replace(/[^A-Za-z0-9_.:-]/g, '-').slice(0, 48)}-${process.pid}`;

const KAFKA_TOPIC_PATTERN = /^[A-Za-z0-9._-]{1,200}$/;
const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');
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
  TRANSPORT: z.enum(['memory', 'redis', 'kafka']).default('memory'),
  WS_PATH: z
    .string()
    .regex(/^\/[A-Za-z0-9_.\/-]*$/, 'must be a URL path starting with /')
    .default('/ws'),
  MAX_PAYLOAD_BYTES: int(64, 64 * 1024 * 1024).default(65536),
  WS_PING_INTERVAL_MS: int(1000, 3_600_000).default(30_000),
  NODE_HEARTBEAT_MS: int(100, 60_000).default(2000),
  API_KEY: optionalSecret,
  ADMIN_TOKEN: optionalSecret,
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
  SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(10_000),
  // Load balancing and drain (README "Operations"; deploy/README.md).
  MAX_CONNECTIONS: int(0, 10_000_000).default(0),
  AGENT_PORT: int(1, 65535).optional(),
  EVENT_LOOP_LAG_LIMIT_MS: int(10, 60_000).default(1000),
  DRAIN_DELAY_MS: int(0, 600_000).default(3000),
  DRAIN_BATCH: int(1, 1_000_000).default(100),
  DRAIN_INTERVAL_MS: int(0, 60_000).default(50),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  KAFKA_BROKERS: z
    .string()
    .regex(/^[^\s,]+:\d+(,[^\s,]+:\d+)*$/, 'must be a comma-separated list of host:port')
    .default('127.0.0.1:9092'),
  KAFKA_TOPIC: z.string().regex(KAFKA_TOPIC_PATTERN, 'must be 1-200 characters from A-Za-z0-9._-').default('switchboard.broadcast'),
  KAFKA_CLIENT_ID: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'must be 1-100 characters from A-Za-z0-9._-').default('switchboard'),
  KAFKA_GROUP_PREFIX: z.string().regex(KAFKA_TOPIC_PATTERN, 'must be 1-200 characters from A-Za-z0-9._-').default('switchboard'),
  KAFKA_PARTITIONS: int(1, 10_000).default(6),
  KAFKA_REPLICATION_FACTOR: int(-1, 32).default(-1),
  KAFKA_SSL: booleanFlag.default(false),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: optionalSecret,
  KAFKA_SASL_PASSWORD: optionalSecret,
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_.:-]{0,64}$/, 'must be up to 64 characters from A-Za-z0-9_.:-').default('sb:'),
});

export type Env = z.infer<typeof envSchema>;
