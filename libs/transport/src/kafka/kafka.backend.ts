import { z } from 'zod';
import { defineBackend } from '../backend.js';

const KAFKA_NAME_PATTERN = /^[A-Za-z0-9._-]{1,200}$/;
const KAFKA_NAME_RULE = 'must be 1-200 characters from A-Za-z0-9._-';
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');
const optionalSecret = z.string().optional();

export interface KafkaTransportOptions {
  brokers: string[];
  /** Broadcast topic (and history: its log); control traffic uses `<topic>.control`. */
  topic: string;
  clientId: string;
  /** Each node's own consumer group is `<groupPrefix>.<host>.<pid>.<random>`. */
  groupPrefix: string;
  /** Partitions and replication for topics this node creates. -1: the broker's default. */
  partitions: number;
  replicationFactor: number;
  /**
   * retention.ms of the broadcast topic when a node creates it: how far back history can
   * reach on Kafka. Existing topics are never altered (deploy/kafka/README.md).
   */
  retentionMs: number;
  ssl: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

export const kafkaBackend = defineBackend({
  name: 'kafka',
  env: z
    .object({
      KAFKA_BROKERS: z
        .string()
        .regex(/^[^\s,]+:\d+(,[^\s,]+:\d+)*$/, 'must be a comma-separated list of host:port')
        .default('127.0.0.1:9092'),
      KAFKA_TOPIC: z.string().regex(KAFKA_NAME_PATTERN, KAFKA_NAME_RULE).default('switchboard.broadcast'),
      KAFKA_CLIENT_ID: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'must be 1-100 characters from A-Za-z0-9._-').default('switchboard'),
      KAFKA_GROUP_PREFIX: z.string().regex(KAFKA_NAME_PATTERN, KAFKA_NAME_RULE).default('switchboard'),
      KAFKA_PARTITIONS: int(1, 10_000).default(6),
      KAFKA_REPLICATION_FACTOR: int(-1, 32).default(-1),
      // An hour of history by default; raise it to at least HISTORY_TTL_S when channels keep history.
      KAFKA_RETENTION_MS: int(60_000, 365 * 86_400_000).default(3_600_000),
      KAFKA_SSL: booleanFlag.default(false),
      KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
      KAFKA_SASL_USERNAME: optionalSecret,
      KAFKA_SASL_PASSWORD: optionalSecret,
    })
    .superRefine((env, context) => {
      if (!env.KAFKA_SASL_MECHANISM) return;
      for (const variable of ['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const) {
        if (env[variable] === undefined) context.addIssue({ code: 'custom', path: [variable], message: `must be set when KAFKA_SASL_MECHANISM is ${env.KAFKA_SASL_MECHANISM}` });
      }
    }),
  options: (env): KafkaTransportOptions => ({
    brokers: env.KAFKA_BROKERS.split(','),
    topic: env.KAFKA_TOPIC,
    clientId: env.KAFKA_CLIENT_ID,
    groupPrefix: env.KAFKA_GROUP_PREFIX,
    partitions: env.KAFKA_PARTITIONS,
    replicationFactor: env.KAFKA_REPLICATION_FACTOR,
    retentionMs: env.KAFKA_RETENTION_MS,
    ssl: env.KAFKA_SSL,
    sasl: env.KAFKA_SASL_MECHANISM ? { mechanism: env.KAFKA_SASL_MECHANISM, username: env.KAFKA_SASL_USERNAME!, password: env.KAFKA_SASL_PASSWORD! } : undefined,
  }),
  describe: (options) => `brokers ${options.brokers.join(',')}, topic ${options.topic}`,
  async create(options) {
    const { KafkaTransport } = await import('./kafka.transport.js');
    const { KafkaHistory } = await import('./kafka.history.js');
    const { ControlPresence } = await import('../base/control-presence.js');
    const bus = new KafkaTransport(options);
    return { bus, history: new KafkaHistory(bus), presence: new ControlPresence(bus) };
  },
});
