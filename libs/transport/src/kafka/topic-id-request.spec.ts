import { describe, expect, it } from 'vitest';
import { decodeTopicIdResponse, encodeTopicIdRequest, TopicMetadataError } from './topic-id-request.js';

/** Builds flexible-version bytes the way a broker writes them. */
class Bytes {
  private readonly parts: Buffer[] = [];
  int8 = (value: number) => this.push(Buffer.from([value]));
  int16 = (value: number) => {
    const buffer = Buffer.alloc(2);
    buffer.writeInt16BE(value);
    return this.push(buffer);
  };
  int32 = (value: number) => {
    const buffer = Buffer.alloc(4);
    buffer.writeInt32BE(value);
    return this.push(buffer);
  };
  uvarint = (value: number) => {
    const bytes: number[] = [];
    while (value > 0x7f) {
      bytes.push((value & 0x7f) | 0x80);
      value >>>= 7;
    }
    bytes.push(value);
    return this.push(Buffer.from(bytes));
  };
  string = (value: string | null) => (value === null ? this.uvarint(0) : this.uvarint(Buffer.byteLength(value) + 1).push(Buffer.from(value)));
  raw = (value: Buffer) => this.push(value);
  /** A tagged-field section with one unknown field, which readers must skip. */
  tags = (withField = false) => (withField ? this.uvarint(1).uvarint(7).uvarint(3).raw(Buffer.from([1, 2, 3])) : this.uvarint(0));
  buffer = () => Buffer.concat(this.parts);
  private push(buffer: Buffer): this {
    this.parts.push(buffer);
    return this;
  }
}

const TOPIC_ID = Buffer.from('0123456789abcdeffedcba9876543210', 'hex');

function response(topics: Array<{ name: string; errorCode?: number; partitions: number }>): Buffer {
  const bytes = new Bytes().tags(true).int32(0);
  bytes.uvarint(2).int32(1).string('127.0.0.1').int32(9092).string(null).tags();
  bytes.string('cluster-id').int32(1);
  bytes.uvarint(topics.length + 1);
  for (const topic of topics) {
    bytes.int16(topic.errorCode ?? 0).string(topic.name).raw(TOPIC_ID).int8(0);
    bytes.uvarint(topic.partitions + 1);
    for (let p = 0; p < topic.partitions; p++) {
      bytes.int16(0).int32(p).int32(1).int32(4);
      for (let list = 0; list < 3; list++) bytes.uvarint(list === 2 ? 1 : 2).raw(list === 2 ? Buffer.alloc(0) : Buffer.from([0, 0, 0, 1]));
      bytes.tags(p === 0);
    }
    bytes.int32(-2147483648).tags();
  }
  return bytes.tags().buffer();
}

describe('topic ID request', () => {
  it('decodes the topic ID and partition count, skipping everything else', () => {
    const payload = response([{ name: 'other', partitions: 1 }, { name: 'sb.broadcast', partitions: 6 }]);
    expect(decodeTopicIdResponse(payload, 'sb.broadcast')).toEqual({ name: 'sb.broadcast', topicId: TOPIC_ID.toString('hex'), partitions: 6 });
  });

  it('reports a topic-level error with its Kafka code, and a missing topic as unknown', () => {
    expect(() => decodeTopicIdResponse(response([{ name: 't', errorCode: 3, partitions: 0 }]), 't')).toThrow(TopicMetadataError);
    expect(() => decodeTopicIdResponse(response([{ name: 'u', partitions: 1 }]), 't')).toThrow(/error code 3/);
  });

  it('fails on a truncated response instead of reading garbage', () => {
    const payload = response([{ name: 't', partitions: 3 }]);
    expect(() => decodeTopicIdResponse(payload.subarray(0, payload.length - 20), 't')).toThrow(RangeError);
  });

  it('encodes request header v2 tags, one topic by name, no auto-creation; v10 has one more flag', () => {
    const v12 = encodeTopicIdRequest('ab', 12);
    expect([...v12]).toEqual([0, 2, ...Array(16).fill(0), 3, 0x61, 0x62, 0, 0, 0, 0]);
    expect(encodeTopicIdRequest('ab', 10)).toHaveLength(v12.length + 1);
  });
});
