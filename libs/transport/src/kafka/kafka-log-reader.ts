import type { Broker, Cluster, IHeaders, Kafka } from 'kafkajs';
import { decodeTopicIdResponse, encodeTopicIdRequest, MAX_TOPIC_ID_VERSION, METADATA_API_KEY, MIN_TOPIC_ID_VERSION, type TopicDescription } from './topic-id-request.js';

/** One record of a partition, as history reads it. */
export interface LogRecord {
  offset: number;
  /** Milliseconds since the epoch: the producer's CreateTime (or the broker's LogAppendTime). */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

/** What one fetch returned. */
export interface LogChunk {
  /** Records at or after the offset asked for, oldest first; transaction markers left out. */
  records: LogRecord[];
  /** Where the next fetch starts: after the last record returned, markers included. */
  nextOffset: number;
  /** Records and key+value bytes looked at, markers included: what a scan budget counts. */
  scanned: number;
  bytes: number;
  highWatermark: number;
  logStartOffset: number;
}

export interface Watermarks {
  logStartOffset: number;
  highWatermark: number;
}

// ---------------------------------------------------------------------------------------
// kafkajs internals: the shapes this file relies on, checked against kafkajs 2.2.4.

const CREATE_CLUSTER = 'private:Kafka:createCluster';
type ClusterFactory = (options: { metadataMaxAge?: number; allowAutoTopicCreation?: boolean; isolationLevel?: number }) => Cluster;

export interface FetchedRecord {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
  isControlRecord?: boolean;
}
interface FetchedPartition {
  partition: number;
  highWatermark: string;
  /** Fetch v5+ (kafkajs spells it so). */
  lastStartOffset?: string;
  messages: FetchedRecord[];
}
interface FetchResponse {
  responses: Array<{ topicName: string; partitions: FetchedPartition[] }>;
}
/** A request as kafkajs' connection sends it (network/connection.js `send`). */
interface ProtocolRequest {
  request: { apiKey: number; apiVersion: number; apiName: string; encode(): Promise<{ buf: Buffer; buffer: Buffer }> };
  response: { decode(payload: Buffer): Promise<Buffer>; parse(payload: Buffer): Promise<TopicDescription> };
}
interface BrokerInternals {
  versions?: Record<number, { minVersion: number; maxVersion: number } | undefined>;
  connectionPool: { send(request: ProtocolRequest): Promise<TopicDescription> };
}

const READ_COMMITTED = 1;
/** Errors after which cached leadership may be wrong: refresh metadata and try once more. */
const STALE_METADATA = new Set(['NOT_LEADER_FOR_PARTITION', 'NOT_LEADER_OR_FOLLOWER', 'LEADER_NOT_AVAILABLE', 'UNKNOWN_TOPIC_OR_PARTITION', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH']);
const CONNECTION_ERRORS = new Set(['KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSBrokerNotFound', 'KafkaJSLockTimeout', 'KafkaJSRequestTimeoutError']);

/**
 * Reads ranges of a topic's log: what history needs and kafkajs' consumer cannot do
 * (kafkajs 2.2.4 has no assign() or bounded read; its consumer is a group member that
 * streams from a committed position).
 *
 * It therefore uses kafkajs internals, on purpose and in this file only: the `Cluster`
 * factory the `Kafka` instance keeps under a private symbol (so this reader gets the
 * client's own brokers, TLS, SASL, retry and logger), the cluster's leader lookup and
 * the broker's Fetch and ListOffsets requests, the response shapes declared above, and
 * the broker's connection for one Metadata request kafkajs does not implement (see
 * topic-id-request.ts). kafkajs is pinned (package.json) and these paths are covered by
 * test/contract/history.contract.test.ts and test/contract/kafka-history.test.ts against
 * a real broker, so an upgrade that moves them fails there, not in production.
 */
export class KafkaLogReader {
  private readonly cluster: Cluster;
  private readonly topics = new Set<string>();

  constructor(kafka: Kafka) {
    const symbol = Object.getOwnPropertySymbols(kafka).find((candidate) => candidate.description === CREATE_CLUSTER);
    const factory = symbol ? (kafka as unknown as Record<symbol, unknown>)[symbol] : undefined;
    if (typeof factory !== 'function') throw new Error(`kafkajs has no ${CREATE_CLUSTER} factory: the log reader needs kafkajs 2.2.x`);
    this.cluster = (factory as ClusterFactory)({ metadataMaxAge: 300_000, allowAutoTopicCreation: false, isolationLevel: READ_COMMITTED });
  }

  async connect(topics: string[]): Promise<void> {
    await this.cluster.connect();
    for (const topic of topics) this.topics.add(topic);
    await this.cluster.addMultipleTargetTopics(topics);
  }

  async disconnect(): Promise<void> {
    await this.cluster.disconnect();
  }

  /**
   * Records from `offset` on, up to about `maxBytes` (at least one whole record batch).
   * An offset outside the log (before its start, after its end) returns no records and
   * the log's current bounds, so the caller decides what a gap means.
   */
  async fetch(topic: string, partition: number, offset: number, maxBytes: number): Promise<LogChunk> {
    let response: FetchResponse;
    try {
      response = (await this.onLeader(topic, partition, (broker) =>
        broker.fetch({
          replicaId: -1,
          isolationLevel: READ_COMMITTED,
          // Never wait for new data: a read covers what is there now.
          maxWaitTime: 0,
          minBytes: 1,
          maxBytes,
          topics: [{ topic, partitions: [{ partition, fetchOffset: String(offset), maxBytes }] }],
        }),
      )) as FetchResponse;
    } catch (error) {
      if ((error as Error).name !== 'KafkaJSOffsetOutOfRange') throw error;
      const bounds = await this.watermarks(topic, partition);
      return { records: [], nextOffset: offset, scanned: 0, bytes: 0, ...bounds };
    }
    const data = response.responses.find((entry) => entry.topicName === topic)?.partitions.find((entry) => entry.partition === partition);
    if (!data) throw new Error(`fetch of ${topic}/${partition} returned no data for it`);
    const { records, nextOffset, scanned, bytes } = chunkFrom(data.messages, offset);
    const highWatermark = Number(data.highWatermark);
    const logStartOffset = data.lastStartOffset === undefined ? (await this.watermarks(topic, partition)).logStartOffset : Number(data.lastStartOffset);
    return { records, nextOffset, scanned, bytes, highWatermark, logStartOffset };
  }

  /** The partition's high watermark: the offset the next record will get. */
  async highWatermark(topic: string, partition: number): Promise<number> {
    return this.listOffset(topic, partition, false);
  }

  async watermarks(topic: string, partition: number): Promise<Watermarks> {
    const [logStartOffset, highWatermark] = await Promise.all([this.listOffset(topic, partition, true), this.listOffset(topic, partition, false)]);
    return { logStartOffset, highWatermark };
  }

  /** The topic's Kafka topic ID and partition count, from one Metadata v10+ request. */
  async topicIdentity(topic: string): Promise<TopicDescription> {
    await this.cluster.refreshMetadata();
    return this.onLeader(topic, 0, async (broker) => {
      const internals = broker as unknown as BrokerInternals;
      const supported = internals.versions?.[METADATA_API_KEY]?.maxVersion ?? 0;
      const version = Math.min(supported, MAX_TOPIC_ID_VERSION);
      if (version < MIN_TOPIC_ID_VERSION) throw new Error(`the broker speaks Metadata up to v${supported}; history needs topic IDs (Metadata v10, Kafka 2.8 or later)`);
      const body = encodeTopicIdRequest(topic, version);
      return internals.connectionPool.send({
        request: { apiKey: METADATA_API_KEY, apiVersion: version, apiName: 'Metadata', encode: async () => ({ buf: body, buffer: body }) },
        response: { decode: async (payload) => payload, parse: async (payload) => decodeTopicIdResponse(payload, topic) },
      });
    });
  }

  private async listOffset(topic: string, partition: number, earliest: boolean): Promise<number> {
    const [result] = await this.onLeader(topic, partition, () => this.cluster.fetchTopicsOffset([{ topic, partitions: [{ partition }], fromBeginning: earliest }]));
    const offset = result?.partitions.find((entry) => entry.partition === partition)?.offset;
    if (offset === undefined) throw new Error(`no offsets for ${topic}/${partition}`);
    return Number(offset);
  }

  /** Runs `request` against the partition's leader; after a leadership or connection error, refreshes metadata and tries once more. */
  private async onLeader<T>(topic: string, partition: number, request: (broker: Broker) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(await this.leaderOf(topic, partition));
      } catch (error) {
        const { name, type } = error as { name?: string; type?: string };
        const retriable = (type !== undefined && STALE_METADATA.has(type)) || (name !== undefined && CONNECTION_ERRORS.has(name)) || name === 'NoLeader';
        if (attempt > 0 || !retriable) throw error;
        if (!this.cluster.isConnected()) await this.cluster.connect();
        await this.cluster.addMultipleTargetTopics([...this.topics, topic]);
        await this.cluster.refreshMetadata();
      }
    }
  }

  private async leaderOf(topic: string, partition: number): Promise<Broker> {
    if (!this.topics.has(topic)) {
      this.topics.add(topic);
      await this.cluster.addTargetTopic(topic);
    }
    const [nodeId] = Object.keys(this.cluster.findLeaderForPartitions(topic, [partition]));
    if (nodeId === undefined) throw Object.assign(new Error(`no leader known for ${topic}/${partition}`), { name: 'NoLeader' });
    return this.cluster.findBroker({ nodeId });
  }
}

/** The records of a fetch response at or after `offset`, as a `LogChunk` without its watermarks. */
export function chunkFrom(messages: FetchedRecord[], offset: number): Omit<LogChunk, 'highWatermark' | 'logStartOffset'> {
  const records: LogRecord[] = [];
  let nextOffset = offset;
  let scanned = 0;
  let bytes = 0;
  for (const raw of messages) {
    const at = Number(raw.offset);
    // A fetch returns whole record batches, so the first may start before `offset`.
    if (at < offset) continue;
    nextOffset = at + 1;
    scanned++;
    bytes += (raw.key?.length ?? 0) + (raw.value?.length ?? 0);
    if (raw.isControlRecord) continue;
    records.push({ offset: at, timestamp: Number(raw.timestamp), key: raw.key, value: raw.value, headers: raw.headers ?? {} });
  }
  return { records, nextOffset, scanned, bytes };
}
