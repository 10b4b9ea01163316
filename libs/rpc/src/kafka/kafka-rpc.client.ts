import { Logger } from '@nestjs/common';
import kafkajs, { type Admin, type Consumer, type KafkaConfig, type logCreator, type Message, type Producer } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import type { RpcBackendClient, RpcBackendContext } from '../backend.js';
import { encodeEnvelope, parseReply, type RpcEventEnvelope, type RpcRequestEnvelope } from '../envelope.js';
import { RpcUnavailableError } from '../errors.js';
import { type KafkaRpcOptions, topicSafe } from './kafka.rpc-backend.js';

const { Kafka, Partitioners, logLevel } = kafkajs;

/** Header of the node's own probes on its reply topic (never a reply). */
const PROBE_HEADER = 'sb-rpc-probe';
const PROBE_INTERVAL_MS = 1000;
/** Not ready once no probe has come back for this long. */
const PROBE_STALE_MS = 3500;
const REPLY_RETENTION_MS = String(10 * 60_000);
const PRODUCE_TIMEOUT_MS = 5000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Waits for `work` at most `ms`, ignoring its failure. */
const within = (ms: number, work: Promise<unknown> | undefined): Promise<unknown> =>
  Promise.race([Promise.resolve(work).catch(() => undefined), new Promise((resolve) => setTimeout(resolve, ms).unref())]);

const logs: logCreator = () => {
  const logger = new Logger('KafkaRpc');
  const lastSaid = new Map<string, number>();
  return ({ level, log }) => {
    if (level > logLevel.WARN) return;
    const text = `${log.message}${log.error ? `: ${String(log.error)}` : ''}`;
    const now = Date.now();
    if ((lastSaid.get(text) ?? 0) > now - 10_000) return;
    if (lastSaid.size > 1000) lastSaid.clear();
    lastSaid.set(text, now);
    logger.warn(text);
  };
};

interface Queued {
  topic: string;
  message: Message;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * RPC over Kafka. Requests go to the request topic, without a key (kafkajs spreads them
 * round-robin over the partitions), produced with acks=all: once `send` resolves the
 * request is in the log and a worker of the shared group will get it, whatever happens
 * to this node or to the worker that first takes it (it commits only after replying).
 * Replies come back on this node's own reply topic, `<prefix><NODE_ID>`, which the node
 * creates and consumes in a group of its own from the latest offset; it deletes both when
 * it stops. A probe through that topic every second is the readiness signal, as on the bus.
 */
export class KafkaRpcClient implements RpcBackendClient {
  readonly name = 'kafka';
  private readonly logger = new Logger('KafkaRpc');
  private readonly kafka: InstanceType<typeof Kafka>;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly replyTopic: string;
  private readonly groupId: string;
  private consumer?: Consumer;
  private stopped = false;
  private connected = false;
  private queue: Queued[] = [];
  private flushScheduled = false;
  private probeTimer?: NodeJS.Timeout;
  private readonly probes = new Map<string, () => void>();
  private lastProbeBack = 0;
  private wasReady = false;

  constructor(
    private readonly options: KafkaRpcOptions,
    private readonly context: RpcBackendContext,
  ) {
    const config: KafkaConfig = {
      clientId: options.clientId,
      brokers: options.brokers,
      ssl: options.ssl,
      connectionTimeout: 2000,
      requestTimeout: 5000,
      retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 2 },
      logCreator: logs,
    };
    if (options.sasl) config.sasl = options.sasl as KafkaConfig['sasl'];
    this.kafka = new Kafka(config);
    this.producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    this.admin = this.kafka.admin();
    const node = topicSafe(context.nodeId);
    this.replyTopic = `${options.replyTopicPrefix}${node}`.slice(0, 249);
    this.groupId = `${options.clientId}.replies.${node}.${randomBytes(4).toString('hex')}`;
  }

  get ready(): boolean {
    return this.connected && !this.stopped && Date.now() - this.lastProbeBack < PROBE_STALE_MS;
  }

  async start(): Promise<void> {
    this.stopped = false;
    void this.connectLoop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.probeTimer);
    const queued = this.queue;
    this.queue = [];
    queued.forEach((item) => item.reject(new RpcUnavailableError('the kafka RPC backend is stopped')));
    // Bounded: a node must not miss its shutdown deadline because Kafka went away first.
    await within(3000, this.consumer?.disconnect());
    if (this.connected) {
      await within(3000, this.admin.deleteGroups([this.groupId]));
      await within(3000, this.admin.deleteTopics({ topics: [this.replyTopic], timeout: 2000 }));
    }
    await within(3000, Promise.all([this.producer.disconnect(), this.admin.disconnect()]));
  }

  send(request: RpcRequestEnvelope): Promise<void> {
    if (!this.ready) return Promise.reject(new RpcUnavailableError('Kafka is not reachable'));
    return this.enqueue(this.options.requestTopic, { value: encodeEnvelope({ ...request, replyTo: this.replyTopic }) });
  }

  sendEvent(event: RpcEventEnvelope): Promise<void> {
    if (!this.ready) return Promise.reject(new RpcUnavailableError('Kafka is not reachable'));
    return this.enqueue(this.options.eventsTopic, { key: event.connectionId, value: encodeEnvelope(event) });
  }

  /** What is sent in one tick leaves as one produce request. */
  private enqueue(topic: string, message: Message): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ topic, message, resolve, reject });
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const item of batch) {
      const messages = byTopic.get(item.topic);
      if (messages) messages.push(item.message);
      else byTopic.set(item.topic, [item.message]);
    }
    this.producer
      .sendBatch({ acks: -1, timeout: PRODUCE_TIMEOUT_MS, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) })
      .then(
        () => batch.forEach((item) => item.resolve()),
        (error: Error) => {
          this.logger.warn(`produce failed: ${error.message}`);
          batch.forEach((item) => item.reject(new RpcUnavailableError(`Kafka did not take the request (${error.message})`)));
        },
      );
  }

  private async connectLoop(): Promise<void> {
    while (!this.stopped && !this.connected) {
      try {
        await this.connect();
        return;
      } catch (error) {
        this.context.onState(false, `cannot reach Kafka at ${this.options.brokers.join(',')}: ${String(error)}`);
        await this.consumer?.disconnect().catch(() => undefined);
        this.consumer = undefined;
        await sleep(1000);
      }
    }
  }

  private async connect(): Promise<void> {
    await this.admin.connect();
    await this.producer.connect();
    await this.ensureTopics();
    await this.startConsumer();
    await this.awaitFirstProbe();
    this.connected = true;
    this.probeTimer = setInterval(() => void this.probe(), PROBE_INTERVAL_MS);
    this.probeTimer.unref();
    this.noteState();
  }

  private async ensureTopics(): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    const wanted = [
      { topic: this.options.requestTopic, numPartitions: this.options.partitions, configEntries: [] as Array<{ name: string; value: string }> },
      ...(this.context.eventsEnabled ? [{ topic: this.options.eventsTopic, numPartitions: this.options.partitions, configEntries: [] }] : []),
      { topic: this.replyTopic, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: REPLY_RETENTION_MS }] },
    ].filter((spec) => !existing.has(spec.topic));
    if (wanted.length === 0) return;
    await this.admin
      .createTopics({ waitForLeaders: true, topics: wanted.map((spec) => ({ ...spec, replicationFactor: this.options.replicationFactor })) })
      .catch((error: Error) => {
        // Another node (or a worker) may have created one between the list and the create.
        if (!/already exists/i.test(error.message)) throw error;
      });
  }

  private async startConsumer(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      // kafkajs waits up to 5 s for a batch by default, and even 100 ms shows in the p99: replies must not wait.
      maxWaitTimeInMs: 10,
      minBytes: 1,
      sessionTimeout: 6000,
      heartbeatInterval: 500,
      rebalanceTimeout: 6000,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 200, maxRetryTime: 2000, retries: 8, restartOnFailure: async () => true },
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.logger.warn(`reply consumer crashed: ${String(payload.error)}`);
      if (!payload.restart && !this.stopped) void this.replaceConsumer();
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [this.replyTopic], fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        const probe = message.headers?.[PROBE_HEADER];
        if (probe !== undefined) {
          this.probes.get(String(probe))?.();
          return;
        }
        if (!message.value) return;
        const parsed = parseReply(message.value);
        this.context.onReply(parsed.ok ? parsed.reply : { invalid: true, id: parsed.id, problem: parsed.problem });
      },
    });
    this.consumer = consumer;
  }

  private async replaceConsumer(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
    while (!this.stopped) {
      try {
        await this.startConsumer();
        return;
      } catch (error) {
        this.logger.warn(`reply consumer restart failed: ${String(error)}`);
        await sleep(2000);
      }
    }
  }

  /** A new group resolves "latest" on its first fetch: probe until one comes back, then no reply can slip past. */
  private async awaitFirstProbe(): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (!this.stopped) {
      if (await this.probe(1000)) return;
      if (Date.now() > deadline) throw new Error(`no probe came back through ${this.replyTopic}`);
    }
  }

  private async probe(waitMs = PROBE_STALE_MS): Promise<boolean> {
    const token = randomBytes(6).toString('hex');
    const back = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), waitMs);
      this.probes.set(token, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    try {
      await this.producer.send({ topic: this.replyTopic, acks: 1, timeout: waitMs, messages: [{ value: '', headers: { [PROBE_HEADER]: token } }] });
      const ok = await back;
      if (ok) this.lastProbeBack = Date.now();
      return ok;
    } catch {
      return false;
    } finally {
      this.probes.delete(token);
      if (this.connected) this.noteState();
    }
  }

  private noteState(): void {
    const ready = this.ready;
    if (ready === this.wasReady) return;
    this.wasReady = ready;
    this.context.onState(ready, ready ? `requests on ${this.options.requestTopic}, replies on ${this.replyTopic}` : 'no round trip through Kafka');
  }
}
