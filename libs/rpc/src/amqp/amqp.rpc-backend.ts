import { z } from 'zod';
import { defineRpcBackend } from '../backend.js';

const QUEUE = /^[A-Za-z0-9_.:-]{1,200}$/;
const QUEUE_RULE = 'must be 1-200 characters from A-Za-z0-9_.:-';
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export interface AmqpRpcOptions {
  /** amqp:// or amqps:// URL, vhost and credentials included. */
  url: string;
  /** The durable work queue workers consume (manual acks, prefetch). */
  queue: string;
  /** classic or quorum; workers must declare the queue the same way (the worker helper reads the same variable). */
  queueType: 'classic' | 'quorum';
  /** Each node's replies come to `<prefix><NODE_ID>`, a non-durable queue that outlives a reconnect (x-expires 60 s). */
  replyQueuePrefix: string;
  /** Connection events (RPC_EVENTS): a durable queue. */
  eventsQueue: string;
  heartbeatSeconds: number;
}

export const amqpRpcBackend = defineRpcBackend({
  name: 'amqp',
  env: z.object({
    RPC_AMQP_URL: z.url({ protocol: /^amqps?$/ }).default('amqp://guest:guest@127.0.0.1:5672'),
    RPC_AMQP_QUEUE: z.string().regex(QUEUE, QUEUE_RULE).default('switchboard.rpc.requests'),
    RPC_AMQP_QUEUE_TYPE: z.enum(['classic', 'quorum']).default('classic'),
    RPC_AMQP_REPLY_QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_.:-]{1,120}$/, 'must be 1-120 characters from A-Za-z0-9_.:-').default('switchboard.rpc.replies.'),
    RPC_AMQP_EVENTS_QUEUE: z.string().regex(QUEUE, QUEUE_RULE).default('switchboard.rpc.events'),
    RPC_AMQP_HEARTBEAT_S: int(0, 3600).default(10),
  }),
  options: (env): AmqpRpcOptions => ({
    url: env.RPC_AMQP_URL,
    queue: env.RPC_AMQP_QUEUE,
    queueType: env.RPC_AMQP_QUEUE_TYPE,
    replyQueuePrefix: env.RPC_AMQP_REPLY_QUEUE_PREFIX,
    eventsQueue: env.RPC_AMQP_EVENTS_QUEUE,
    heartbeatSeconds: env.RPC_AMQP_HEARTBEAT_S,
  }),
  describe: (options) => `${redactedUrl(options.url)}, requests on queue ${options.queue}`,
  async create(options, context) {
    const { AmqpRpcClient } = await import('./amqp-rpc.client.js');
    return new AmqpRpcClient(options, context);
  },
});

export function redactedUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** Arguments of the work queue: gateway nodes and workers must declare it identically. */
export const workQueueArguments = (type: 'classic' | 'quorum'): Record<string, unknown> => (type === 'quorum' ? { 'x-queue-type': 'quorum' } : {});
