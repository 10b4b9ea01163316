/**
 * One Metadata request (API key 3, versions 10–12) for one topic, encoded and decoded
 * here because kafkajs 2.2.4 speaks Metadata up to version 6 only, and the topic ID
 * (added in version 10, Kafka 2.8) is what the history epoch is made of: Kafka assigns
 * a new random ID every time a topic is created, keeps it in its own metadata, and
 * every node reads the same one. See `KafkaLogReader.topicIdentity`.
 *
 * These versions are "flexible": compact strings and arrays (length + 1 as an unsigned
 * varint) and tagged-field sections. kafkajs writes request header v1 (api key, version,
 * correlation id, client id); header v2 is that plus a tagged-field section, so the body
 * below starts with an empty one. Likewise kafkajs strips only the correlation id of the
 * response, so the decoder first skips response header v1's tagged fields.
 */

export const METADATA_API_KEY = 3;
export const MIN_TOPIC_ID_VERSION = 10;
export const MAX_TOPIC_ID_VERSION = 12;

export interface TopicDescription {
  name: string;
  /** 32 lowercase hex digits; all zeros when the cluster assigns no IDs. */
  topicId: string;
  partitions: number;
}

/** A topic-level error, with Kafka's code (3: UNKNOWN_TOPIC_OR_PARTITION…). */
export class TopicMetadataError extends Error {
  constructor(
    readonly topic: string,
    readonly errorCode: number,
  ) {
    super(`metadata for topic ${topic} failed with Kafka error code ${errorCode}`);
    this.name = 'TopicMetadataError';
  }
}

export function encodeTopicIdRequest(topic: string, version: number): Buffer {
  const name = Buffer.from(topic, 'utf8');
  const parts: Buffer[] = [
    uvarint(0), // request header v2's tagged fields
    uvarint(2), // topics: compact array of one
    Buffer.alloc(16), // topic_id: zero = look up by name
    uvarint(name.length + 1),
    name,
    uvarint(0), // topic's tagged fields
    Buffer.from([0]), // allow_auto_topic_creation: false
  ];
  if (version === 10) parts.push(Buffer.from([0])); // include_cluster_authorized_operations (v8–10)
  parts.push(Buffer.from([0]), uvarint(0)); // include_topic_authorized_operations, tagged fields
  return Buffer.concat(parts);
}

export function decodeTopicIdResponse(payload: Buffer, topic: string): TopicDescription {
  const reader = new CompactReader(payload);
  reader.skipTaggedFields(); // response header v1
  reader.int32(); // throttle_time_ms
  reader.array(() => {
    reader.int32(); // node_id
    reader.string(); // host
    reader.int32(); // port
    reader.string(); // rack
    reader.skipTaggedFields();
  });
  reader.string(); // cluster_id
  reader.int32(); // controller_id
  const topics = reader.array(() => {
    const errorCode = reader.int16();
    const name = reader.string() ?? '';
    const topicId = reader.bytes(16).toString('hex');
    reader.bytes(1); // is_internal
    const partitions = reader.array(() => {
      reader.int16(); // error_code
      reader.int32(); // partition_index
      reader.int32(); // leader_id
      reader.int32(); // leader_epoch
      for (let list = 0; list < 3; list++) reader.array(() => reader.int32()); // replicas, isr, offline
      reader.skipTaggedFields();
    }).length;
    reader.int32(); // topic_authorized_operations
    reader.skipTaggedFields();
    return { errorCode, name, topicId, partitions };
  });
  const found = topics.find((entry) => entry.name === topic);
  if (!found) throw new TopicMetadataError(topic, 3);
  if (found.errorCode !== 0) throw new TopicMetadataError(topic, found.errorCode);
  return { name: found.name, topicId: found.topicId, partitions: found.partitions };
}

function uvarint(value: number): Buffer {
  const bytes: number[] = [];
  let rest = value >>> 0;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

/** Reads the compact encoding; throws RangeError past the end (a truncated or foreign response). */
class CompactReader {
  private offset = 0;
  constructor(private readonly buffer: Buffer) {}

  int16(): number {
    const value = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return value;
  }

  int32(): number {
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }

  uvarint(): number {
    let result = 0;
    for (let shift = 0; shift <= 28; shift += 7) {
      const byte = this.buffer[this.offset++];
      if (byte === undefined) throw new RangeError('metadata response ends inside a varint');
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result >>> 0;
    }
    throw new RangeError('metadata response has a varint longer than 5 bytes');
  }

  bytes(length: number): Buffer {
    if (this.offset + length > this.buffer.length) throw new RangeError('metadata response is truncated');
    const value = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  /** A compact nullable string. */
  string(): string | null {
    const length = this.uvarint();
    return length === 0 ? null : this.bytes(length - 1).toString('utf8');
  }

  /** A compact array; null arrays read as empty. */
  array<T>(item: () => T): T[] {
    const length = this.uvarint();
    const items: T[] = [];
    for (let i = 0; i < length - 1; i++) items.push(item());
    return items;
  }

  skipTaggedFields(): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint(); // tag
      this.bytes(this.uvarint());
    }
  }
}
