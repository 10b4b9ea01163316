import type { Consumer, Kafka as KafkaClient, Producer } from 'kafkajs';
import { parseMessage, type RpcRequest } from './contract.ts';
import { type Dispatcher, encodeReply, type EventHandler } from './dispatch.ts';

export interface KafkaWorkerOptions {
  brokers: string[];
  clientId?: string;
  /** Default `switchboard.rpc.requests` (the gateway's RPC_KAFKA_REQUEST_TOPIC). */
  requestTopic?: string;
  /** The consumer group every worker shares, so each request goes to one of them. Default `switchboard.rpc.workers`. */
  group?: string;
  /** Default `switchboard.rpc.events` (RPC_KAFKA_EVENTS_TOPIC); consumed in `<group>.events` when an event handler is given. */
  eventsTopic?: string;
  /** Partitions of the request topic if this worker creates it (the gateway usually does). Default 12. */
  partitions?: number;
  /** Partitions handled at once (one request at a time per partition). Default 16. */
  concurrency?: number;
  /**
   * How long the group waits for a worker that stopped heartbeating before giving its
   * partitions (and their uncommitted requests) to the others. Default 10 s; the broker's
   * minimum is usually 6 s. Keep RPC_TIMEOUT_MS above it, or a dead worker's requests time out.
   */
  sessionTimeoutMs?: number;
  ssl?: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

const isMissingTopic = (error: unknown): boolean => /UNKNOWN_TOPIC_OR_PARTITION|does not host this topic-partition|topic-partition/i.test(String((error as { type?: string })?.type ?? error));

/**
 * Consumes requests from the request topic in the workers' shared group: Kafka gives each
 * partition to one worker, so each request reaches one worker and partitions spread the
 * load. Offsets are committed only for requests whose reply has been produced (kafkajs
 * resolves an offset when `eachMessage` returns): a worker that dies mid-request leaves
 * it uncommitted, and the worker that takes its partition over handles it again.
 */
export async function startKafkaWorker(dispatcher: Dispatcher, options: KafkaWorkerOptions, onEvent?: EventHandler, log: Pick<Console, 'warn'> = console): Promise<{ stop(): Promise<void> }> {
  const { default: kafkajs } = await import('kafkajs');
  const requestTopic = options.requestTopic ?? 'switchboard.rpc.requests';
  const eventsTopic = options.eventsTopic ?? 'switchboard.rpc.events';
  const group = options.group ?? 'switchboard.rpc.workers';
  const kafka: KafkaClient = new kafkajs.Kafka({
    clientId: options.clientId ?? 'switchboard-worker',
    brokers: options.brokers,
    ssl: options.ssl,
    sasl: options.sasl as never,
    logLevel: kafkajs.logLevel.NOTHING,
    connectionTimeout: 2000,
    retry: { initialRetryTime: 200, maxRetryTime: 2000, retries: 10 },
  });
  const admin = kafka.admin();
  await admin.connect();
  const existing = new Set(await admin.listTopics());
  const topics = [requestTopic, ...(onEvent ? [eventsTopic] : [])].filter((topic) => !existing.has(topic));
  if (topics.length > 0) {
    await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions: options.partitions ?? 12 })) }).catch((error: Error) => {
      if (!/already exists/i.test(error.message)) throw error;
    });
  }
  await admin.disconnect();

  const producer: Producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const sessionTimeout = options.sessionTimeoutMs ?? 10_000;
  const consumer: Consumer = kafka.consumer({
    groupId: group,
    sessionTimeout,
    rebalanceTimeout: Math.max(sessionTimeout, 10_000),
    heartbeatInterval: Math.min(1000, Math.floor(sessionTimeout / 3)),
    // kafkajs' default (5 s) and even 100 ms show in the round trip's p99.
    maxWaitTimeInMs: 10,
    allowAutoTopicCreation: false,
    retry: { retries: 10, restartOnFailure: async () => true },
  });
  await consumer.connect();
  // A new group starts at the beginning: requests sent before the first worker joined are not skipped (expired ones are dropped by their deadline).
  await consumer.subscribe({ topics: [requestTopic], fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: options.concurrency ?? 16,
    eachMessage: async ({ message }) => {
      if (!message.value) return;
      const parsed = parseMessage(message.value);
      if ('invalid' in parsed || parsed.type !== 'request') {
        dispatcher.stats.invalid++;
        log.warn(`dropping an invalid request: ${'invalid' in parsed ? parsed.invalid : 'not a request'}`);
        return;
      }
      const request = parsed as RpcRequest;
      const reply = await dispatcher.handle(request, false);
      if (!reply || !request.replyTo) return;
      try {
        await producer.send({ topic: request.replyTo, acks: -1, messages: [{ key: request.id, value: encodeReply(reply) }] });
      } catch (error) {
        // The node that asked is gone (its reply topic with it): nobody to answer.
        if (isMissingTopic(error)) return;
        throw error; // not committed: handled again after kafkajs restarts the consumer
      }
    },
  });

  let events: Consumer | undefined;
  if (onEvent) {
    events = kafka.consumer({ groupId: `${group}.events`, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
    await events.connect();
    await events.subscribe({ topics: [eventsTopic], fromBeginning: true });
    await events.run({
      eachMessage: async ({ message }) => {
        const parsed = message.value ? parseMessage(message.value) : { invalid: 'empty' };
        if (!('invalid' in parsed) && parsed.type === 'event') await onEvent(parsed);
      },
    });
  }

  return {
    async stop() {
      await events?.disconnect().catch(() => undefined);
      await consumer.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
    },
  };
}
