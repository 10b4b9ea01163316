import type { AmqpWorkerOptions } from './amqp.ts';
import type { HttpWorkerOptions } from './http.ts';
import type { KafkaWorkerOptions } from './kafka.ts';

export type BackendOptions = { backend: 'kafka'; kafka: KafkaWorkerOptions } | { backend: 'amqp'; amqp: AmqpWorkerOptions } | { backend: 'http'; http: HttpWorkerOptions };

const number = (value: string | undefined, fallback: number): number => {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`not a non-negative integer: ${value}`);
  return parsed;
};

/**
 * The backend from the environment, read from the same variables as the gateway's
 * (RPC_BACKEND, RPC_KAFKA_*, RPC_AMQP_*), plus the worker's own: RPC_KAFKA_GROUP,
 * RPC_KAFKA_SESSION_TIMEOUT_MS, RPC_WORKER_CONCURRENCY (Kafka partitions at once),
 * RPC_WORKER_PREFETCH (AMQP), RPC_WORKER_PORT and RPC_WORKER_HOST (HTTP), RPC_HTTP_TOKEN.
 */
export function backendFromEnv(env: Record<string, string | undefined> = process.env): BackendOptions {
  const backend = env.RPC_BACKEND;
  if (backend === 'kafka') {
    return {
      backend,
      kafka: {
        brokers: (env.RPC_KAFKA_BROKERS || env.KAFKA_BROKERS || '127.0.0.1:9092').split(','),
        requestTopic: env.RPC_KAFKA_REQUEST_TOPIC || undefined,
        eventsTopic: env.RPC_KAFKA_EVENTS_TOPIC || undefined,
        group: env.RPC_KAFKA_GROUP || undefined,
        partitions: number(env.RPC_KAFKA_PARTITIONS, 12),
        concurrency: number(env.RPC_WORKER_CONCURRENCY, 16),
        sessionTimeoutMs: number(env.RPC_KAFKA_SESSION_TIMEOUT_MS, 10_000),
        ssl: env.RPC_KAFKA_SSL === 'true' || env.RPC_KAFKA_SSL === '1',
      },
    };
  }
  if (backend === 'amqp') {
    return {
      backend,
      amqp: {
        url: env.RPC_AMQP_URL || 'amqp://guest:guest@127.0.0.1:5672',
        queue: env.RPC_AMQP_QUEUE || undefined,
        queueType: env.RPC_AMQP_QUEUE_TYPE === 'quorum' ? 'quorum' : 'classic',
        eventsQueue: env.RPC_AMQP_EVENTS_QUEUE || undefined,
        prefetch: number(env.RPC_WORKER_PREFETCH, 16),
      },
    };
  }
  if (backend === 'http') {
    return { backend, http: { port: number(env.RPC_WORKER_PORT, 8080), host: env.RPC_WORKER_HOST || '127.0.0.1', token: env.RPC_HTTP_TOKEN || undefined } };
  }
  throw new Error(`RPC_BACKEND must be kafka, amqp or http (got ${JSON.stringify(backend ?? '')})`);
}
