import kafkajs, { type Admin, type Consumer, type EachMessagePayload, type KafkaConfig, type Producer } from 'kafkajs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { decodeBroadcast, decodeControl, encodeBroadcast, encodeControl, encodeUnpositioned } from '../codec/bus-codec.js';
import { BaseTransport } from '../base/base-transport.js';
import type { Broadcast, StreamPosition, TransportHealth } from '../capabilities/broadcast.js';
import type { ControlMessage } from '../capabilities/control.js';
import { TransportUnavailableError } from '../capabilities/errors.js';
import { KafkaLogReader } from './kafka-log-reader.js';
import { kafkaLogCreator, logReaderLogCreator } from './kafka-logger.js';
import type { KafkaTransportOptions } from './kafka.backend.js';
import { epochOf, streamOffsetOf } from './log-positions.js';
import { partitionFor } from './partitioner.js';
import { ProducerBatcher } from './producer-batcher.js';
import { HISTORY_HEADER } from './record-headers.js';
import { PROBE_HEADER, RoundTripProbe } from './round-trip-probe.js';

const { Kafka, Partitioners } = kafkajs;

/** A probe every second; not ready once none has come back for three. */
const PROBE_INTERVAL_MS = 1000;
const PROBE_STALE_MS = 3500;
const START_TIMEOUT_MS = 60_000;
const PRODUCE_TIMEOUT_MS = 5000;
/**
 * The broadcast topic is also history's log (kafka.history.ts): an hour covers the default
 * HISTORY_TTL_S (5 min) with room to spare. Longer history TTLs need the topic's
 * retention.ms raised to match (deploy/kafka/README.md); the node does not alter topics.
 */
const CONTROL_RETENTION_MS = String(10 * 60_000);
/** How often a running node re-reads the broadcast topic's ID and partition count (a recreated topic means a new epoch). */
const LAYOUT_REFRESH_MS = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The broadcast topic as this node last read it: how channels map to partitions, and the history epoch. */
interface TopicLayout {
  partitions: number;
  epoch: string;
}

/** What `KafkaHistory` reads through: the bus's log reader and topic layout. */
export interface HistoryLog {
  reader: KafkaLogReader;
  topic: string;
  epoch: string;
  partitionOf(channel: string): number;
}

/**
 * Kafka between nodes. Every node consumes the whole broadcast topic in a consumer
 * group of its own (so each node gets every message, not a share of them), starting
 * at the latest offset and committing nothing, and keeps the channels it follows.
 * Messages are keyed by channel, so one channel's messages stay in one partition, in
 * order: the transport computes each channel's partition itself (see partitioner.ts),
 * because history publications need to know which partition's offset is theirs. The
 * node deletes its group when it stops.
 */
export class KafkaTransport extends BaseTransport {
  readonly name = 'kafka';
  private readonly kafka: InstanceType<typeof Kafka>;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly batcher: ProducerBatcher;
  private readonly groupId: string;
  private readonly controlTopic: string;
  private readonly probe: RoundTripProbe;
  private readonly log: KafkaLogReader;
  private consumer?: Consumer;
  private layout?: TopicLayout;
  private layoutTimer?: NodeJS.Timeout;
  /** Whether the last probe round trip failed, so the next success counts as a reconnect. */
  private lostContact = false;
  private probeTimer?: NodeJS.Timeout;
  private started = false;

  constructor(private readonly options: KafkaTransportOptions) {
    super('KafkaTransport');
    const config: KafkaConfig = {
      clientId: options.clientId,
      brokers: options.brokers,
      ssl: options.ssl,
      connectionTimeout: 2000,
      requestTimeout: 5000,
      retry: { initialRetryTime: 100, maxRetryTime: 1000, retries: 2 },
      logCreator: kafkaLogCreator,
    };
    if (options.sasl) config.sasl = options.sasl as KafkaConfig['sasl'];
    this.kafka = new Kafka(config);
    this.producer = this.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    this.admin = this.kafka.admin();
    this.batcher = new ProducerBatcher(this.producer, PRODUCE_TIMEOUT_MS);
    this.groupId = `${options.groupPrefix}.${hostname()}.${process.pid}.${randomBytes(4).toString('hex')}`;
    this.controlTopic = `${options.topic}.control`;
    this.probe = new RoundTripProbe(this.groupId);
    // Same brokers, TLS and SASL; a Kafka instance of its own only so that it logs differently.
    this.log = new KafkaLogReader(new Kafka({ ...config, logCreator: logReaderLogCreator }));
  }

  async start(): Promise<void> {
    this.stopped = false;
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      try {
        await this.connect();
        break;
      } catch (error) {
        this.noteKafkaError(error);
        if (Date.now() > deadline) {
          this.logger.error(`could not reach Kafka at ${this.options.brokers.join(',')}; node stays not-ready and keeps retrying`);
          void this.keepConnecting();
          return;
        }
        await sleep(1000);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.probeTimer);
    clearInterval(this.layoutTimer);
    this.batcher.abort(new TransportUnavailableError('kafka transport is stopped'));
    this.followed.clear();
    await this.consumer?.disconnect().catch(() => undefined);
    if (this.started) await this.admin.deleteGroups([this.groupId]).catch(() => undefined);
    await Promise.all([this.producer.disconnect(), this.admin.disconnect(), this.log.disconnect()].map((p) => p.catch(() => undefined)));
    this.probe.reset();
  }

  health(): TransportHealth {
    if (this.stopped) return { ready: false, detail: 'stopped' };
    const age = this.probe.ageMs();
    if (age > PROBE_STALE_MS) {
      const since = Number.isFinite(age) ? `no round trip through Kafka for ${Math.round(age / 1000)} s` : 'not connected yet';
      return { ready: false, detail: `${since}${this.lastError ? ` (${this.lastError})` : ''}` };
    }
    return { ready: true, detail: `connected to ${this.options.brokers.join(',')}, topic ${this.options.topic}, last round trip ${age} ms ago` };
  }

  async publish(message: Broadcast): Promise<void> {
    this.assertReady();
    const partition = partitionFor(message.channel, this.requireLayout().partitions);
    await this.produce(() => this.batcher.send(this.options.topic, { key: message.channel, value: encodeBroadcast(message), partition }));
  }

  /**
   * For `KafkaHistory`: one produce to the channel's partition, marked as a history
   * publication; its log offset, reported by the acknowledgement, is its position.
   */
  async publishToHistory(message: Broadcast): Promise<StreamPosition> {
    this.assertReady();
    const layout = this.requireLayout();
    const partition = partitionFor(message.channel, layout.partitions);
    const record = { key: message.channel, value: encodeUnpositioned(message), headers: { [HISTORY_HEADER]: '' } };
    const offset = await this.produce(() => this.batcher.sendToPartition(this.options.topic, partition, record));
    return { offset: streamOffsetOf(offset), epoch: layout.epoch };
  }

  /** For `KafkaHistory`: the log to read, once start-up has learnt the topic's layout. */
  historyLog(): HistoryLog {
    this.assertRunning();
    const layout = this.requireLayout();
    return { reader: this.log, topic: this.options.topic, epoch: layout.epoch, partitionOf: (channel) => partitionFor(channel, layout.partitions) };
  }

  async publishControl(message: ControlMessage): Promise<void> {
    this.assertReady();
    await this.produce(() => this.batcher.send(this.controlTopic, { value: encodeControl(message) }));
  }


  /** Kafka delivers the whole topic to every node; following is a local filter. */
  async follow(channel: string): Promise<void> {
    this.followed.add(channel);
  }

  async unfollow(channel: string): Promise<void> {
    this.followed.delete(channel);
  }

  private async connect(): Promise<void> {
    await this.admin.connect();
    await this.producer.connect();
    await this.ensureTopics();
    await this.learnLayout();
    await this.startConsumer();
    await this.awaitEveryPartition();
    this.started = true;
    this.probeTimer = setInterval(() => void this.sendProbe(), PROBE_INTERVAL_MS);
    this.probeTimer.unref();
    this.layoutTimer = setInterval(() => void this.refreshLayout(), LAYOUT_REFRESH_MS);
    this.layoutTimer.unref();
    this.logger.log(`consuming ${this.options.topic} as group ${this.groupId}`);
  }

  private async keepConnecting(): Promise<void> {
    while (!this.stopped && !this.started) {
      try {
        await this.connect();
      } catch (error) {
        this.noteKafkaError(error);
        await sleep(2000);
      }
    }
  }

  private async ensureTopics(): Promise<void> {
    const existing = new Set(await this.admin.listTopics());
    const missing = [
      { topic: this.options.topic, numPartitions: this.options.partitions, retention: String(this.options.retentionMs) },
      { topic: this.controlTopic, numPartitions: 1, retention: CONTROL_RETENTION_MS },
    ].filter((spec) => !existing.has(spec.topic));
    if (missing.length === 0) return;
    await this.admin
      .createTopics({
        waitForLeaders: true,
        topics: missing.map((spec) => ({
          topic: spec.topic,
          numPartitions: spec.numPartitions,
          replicationFactor: this.options.replicationFactor,
          configEntries: [{ name: 'retention.ms', value: spec.retention }],
        })),
      })
      .catch((error: Error) => {
        // Another node may have created it between our list and create.
        if (!/already exists/i.test(error.message)) throw error;
      });
    this.logger.log(`created topics ${missing.map((spec) => spec.topic).join(', ')}`);
  }

  /** Reads the broadcast topic's partition count and topic ID (the history epoch, see log-positions.ts). */
  private async learnLayout(): Promise<void> {
    await this.log.connect([this.options.topic]);
    this.layout = await this.readLayout();
  }

  private async readLayout(): Promise<TopicLayout> {
    const topic = await this.log.topicIdentity(this.options.topic);
    return { partitions: topic.partitions, epoch: epochOf(topic) };
  }

  /**
   * A topic deleted and created again (or given more partitions) while this node runs
   * means a new history: pick up its epoch. Until then (up to LAYOUT_REFRESH_MS) this node
   * still labels positions with the old one.
   */
  private async refreshLayout(): Promise<void> {
    try {
      const next = await this.readLayout();
      const previous = this.layout;
      if (previous && (previous.epoch !== next.epoch || previous.partitions !== next.partitions)) {
        this.logger.warn(`topic ${this.options.topic} changed (epoch ${previous.epoch} → ${next.epoch}, ${next.partitions} partitions): history starts again`);
      }
      this.layout = next;
    } catch {
      // While Kafka is unreachable the probe reports it; the layout is read again next time.
    }
  }

  private async startConsumer(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      // kafkajs waits up to 5 s for a batch by default; broadcasts must not.
      maxWaitTimeInMs: 10,
      minBytes: 1,
      // The broker's minimum session: a node that died is out of its (own) group quickly,
      // and after a broker restart the group re-forms without a long wait.
      sessionTimeout: 6000,
      heartbeatInterval: 500,
      rebalanceTimeout: 6000,
      allowAutoTopicCreation: false,
      retry: { initialRetryTime: 200, maxRetryTime: 2000, retries: 8, restartOnFailure: async () => true },
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.noteKafkaError(payload.error);
      if (!payload.restart && !this.stopped) void this.replaceConsumer();
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [this.options.topic, this.controlTopic], fromBeginning: false });
    await consumer.run({ autoCommit: false, partitionsConsumedConcurrently: 1, eachMessage: async (payload) => this.receive(payload) });
    this.consumer = consumer;
  }

  /** kafkajs gives up on non-retriable crashes; a broadcast bus must not. */
  private async replaceConsumer(): Promise<void> {
    await this.consumer?.disconnect().catch(() => undefined);
    while (!this.stopped) {
      try {
        await this.startConsumer();
        this.logger.log('consumer restarted');
        return;
      } catch (error) {
        this.noteKafkaError(error);
        await sleep(2000);
      }
    }
  }

  /**
   * A group that has just joined resolves "latest" per partition on its first fetch;
   * until then a publish could slip past. Start-up waits for a probe through every
   * partition, so after start() nothing published is missed.
   */
  private async awaitEveryPartition(): Promise<void> {
    const partitions = [...Array(this.requireLayout().partitions).keys()];
    const deadline = Date.now() + START_TIMEOUT_MS;
    const targets = [...partitions.map((partition) => ({ topic: this.options.topic, partition })), { topic: this.controlTopic, partition: 0 }];
    await Promise.all(
      targets.map(async ({ topic, partition }) => {
        while (!this.stopped) {
          const { token, arrived } = this.probe.next();
          await this.producer.send({ topic, acks: 1, messages: [{ partition, value: '', headers: { [PROBE_HEADER]: token } }] });
          const ok = await Promise.race([arrived.then(() => true), sleep(1000).then(() => false)]);
          if (ok) return;
          this.probe.cancel(token);
          if (Date.now() > deadline) throw new Error(`no probe came back through ${topic}/${partition}`);
        }
      }),
    );
  }

  private async sendProbe(): Promise<void> {
    const { token, arrived } = this.probe.next();
    try {
      await this.batcher.send(this.controlTopic, { value: '', headers: { [PROBE_HEADER]: token } });
      const cameBack = await Promise.race([arrived.then(() => true), sleep(PROBE_STALE_MS).then(() => false)]);
      if (!cameBack) {
        this.lostContact = true;
        return;
      }
      this.lastError = undefined;
      if (this.lostContact) this.emitEvent('reconnect');
      this.lostContact = false;
    } catch (error) {
      this.noteKafkaError(error);
    } finally {
      this.probe.cancel(token);
    }
  }

  private async produce<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (error instanceof TransportUnavailableError) throw error;
      throw new TransportUnavailableError(`kafka produce failed: ${(error as Error).message}`, { cause: error });
    }
  }

  private requireLayout(): TopicLayout {
    if (!this.layout) throw new TransportUnavailableError(`kafka is not connected yet: topic ${this.options.topic} not read${this.errorSuffix()}`);
    return this.layout;
  }

  private assertReady(): void {
    this.assertRunning();
    const health = this.health();
    if (!health.ready) throw new TransportUnavailableError(`kafka is unavailable: ${health.detail}; message not published`);
  }

  private receive({ topic, message }: EachMessagePayload): void {
    const probe = message.headers?.[PROBE_HEADER];
    if (probe !== undefined) {
      this.probe.received(probe.toString());
      return;
    }
    if (!message.value) return;
    if (topic === this.controlTopic) {
      const control = decodeControl(message.value.toString());
      if (control) this.emitControl(control);
      return;
    }
    const channel = message.key?.toString();
    if (channel === undefined || !this.followed.has(channel)) return;
    const position = message.headers?.[HISTORY_HEADER] !== undefined && this.layout ? { offset: streamOffsetOf(Number(message.offset)), epoch: this.layout.epoch } : undefined;
    const broadcast = decodeBroadcast(channel, message.value.toString(), position);
    if (broadcast) this.emitBroadcast(broadcast);
  }

  private noteKafkaError(error: unknown): void {
    this.lostContact = true;
    this.noteError('client', error);
  }
}
