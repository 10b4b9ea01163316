import { z } from 'zod';
import { defineRpcBackend } from '../backend.js';

const TOPIC = /^[A-Za-z0-9._-]{1,200}$/;
const TOPIC_RULE = 'must be 1-200 characters from A-Za-z0-9._-';
const BROKERS = /^[^\s,]+:\d+(,[^\s,]+:\d+)*$/;
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

export interface KafkaRpcOptions {
  brokers: string[];
  clientId: string;
  /** Requests; workers consume it in one shared consumer group. */
  requestTopic: string;
  /** Each node's replies come on `<prefix><NODE_ID>` (one partition, created by the node). */
  replyTopicPrefix: string;
  /** Connection events (RPC_EVENTS), keyed by connection id. */
  eventsTopic: string;
  /** Partitions of the request topic when a node creates it: at least the number of workers. */
  partitions: number;
  replicationFactor: number;
  ssl: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

export const kafkaRpcBackend = defineRpcBackend({
  name: 'kafka',
  env: z
    .object({
      RPC_KAFKA_BROKERS: z.string().regex(BROKERS, 'must be a comma-separated list of host:port').optional(),
      // The bus's brokers, when RPC has none of its own (only read, validated by the kafka transport when chosen).
      KAFKA_BROKERS: z.string().optional(),
      RPC_KAFKA_CLIENT_ID: z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'must be 1-100 characters from A-Za-z0-9._-').default('switchboard-rpc'),
      RPC_KAFKA_REQUEST_TOPIC: z.string().regex(TOPIC, TOPIC_RULE).default('switchboard.rpc.requests'),
      RPC_KAFKA_REPLY_TOPIC_PREFIX: z.string().regex(/^[A-Za-z0-9._-]{1,120}$/, 'must be 1-120 characters from A-Za-z0-9._-').default('switchboard.rpc.replies.'),
      RPC_KAFKA_EVENTS_TOPIC: z.string().regex(TOPIC, TOPIC_RULE).default('switchboard.rpc.events'),
      RPC_KAFKA_PARTITIONS: int(1, 10_000).default(12),
      RPC_KAFKA_REPLICATION_FACTOR: int(-1, 32).default(-1),
      RPC_KAFKA_SSL: booleanFlag.default(false),
      RPC_KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
      RPC_KAFKA_SASL_USERNAME: z.string().optional(),
      RPC_KAFKA_SASL_PASSWORD: z.string().optional(),
    })
    .superRefine((env, context) => {
      if (!env.RPC_KAFKA_SASL_MECHANISM) return;
      for (const variable of ['RPC_KAFKA_SASL_USERNAME', 'RPC_KAFKA_SASL_PASSWORD'] as const) {
        if (env[variable] === undefined) context.addIssue({ code: 'custom', path: [variable], message: `must be set when RPC_KAFKA_SASL_MECHANISM is ${env.RPC_KAFKA_SASL_MECHANISM}` });
      }
    }),
  options: (env): KafkaRpcOptions => ({
    brokers: (env.RPC_KAFKA_BROKERS ?? (env.KAFKA_BROKERS && BROKERS.test(env.KAFKA_BROKERS) ? env.KAFKA_BROKERS : '127.0.0.1:9092')).split(','),
    clientId: env.RPC_KAFKA_CLIENT_ID,
    requestTopic: env.RPC_KAFKA_REQUEST_TOPIC,
    replyTopicPrefix: env.RPC_KAFKA_REPLY_TOPIC_PREFIX,
    eventsTopic: env.RPC_KAFKA_EVENTS_TOPIC,
    partitions: env.RPC_KAFKA_PARTITIONS,
    replicationFactor: env.RPC_KAFKA_REPLICATION_FACTOR,
    ssl: env.RPC_KAFKA_SSL,
    sasl: env.RPC_KAFKA_SASL_MECHANISM ? { mechanism: env.RPC_KAFKA_SASL_MECHANISM, username: env.RPC_KAFKA_SASL_USERNAME!, password: env.RPC_KAFKA_SASL_PASSWORD! } : undefined,
  }),
  describe: (options) => `brokers ${options.brokers.join(',')}, requests on ${options.requestTopic}`,
  async create(options, context) {
    const { KafkaRpcClient } = await import('./kafka-rpc.client.js');
    return new KafkaRpcClient(options, context);
  },
});

/** A NODE_ID as a Kafka topic-name suffix (topics have no `:`). */
export const topicSafe = (nodeId: string): string => nodeId.replace(/[^A-Za-z0-9._-]/g, '_');
