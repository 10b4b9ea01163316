import fc from 'fast-check';
import kafkajs, { type PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { partitionFor } from './partitioner.js';

const metadata = (count: number): PartitionMetadata[] =>
  [...Array(count).keys()].map((partitionId) => ({ partitionId, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));

describe('partitionFor', () => {
  it('puts every key where kafkajs DefaultPartitioner puts it', () => {
    const kafkajsPartition = kafkajs.Partitioners.DefaultPartitioner();
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.stringMatching(/^[a-z:0-9]{0,80}$/)), fc.integer({ min: 1, max: 300 }), (key, count) => {
        expect(partitionFor(key, count)).toBe(kafkajsPartition({ topic: 't', partitionMetadata: metadata(count), message: { key, value: '' } }));
      }),
      { numRuns: 2000 },
    );
  });

  it('covers every tail length of the hash (key lengths 0 to 9 bytes, multi-byte characters)', () => {
    const kafkajsPartition = kafkajs.Partitioners.DefaultPartitioner();
    for (const key of ['', 'a', 'ab', 'abc', 'abcd', 'abcde', 'abcdef', 'abcdefg', 'abcdefgh', 'abcdefghi', 'héllo ✓', '𝄞']) {
      expect(partitionFor(key, 6)).toBe(kafkajsPartition({ topic: 't', partitionMetadata: metadata(6), message: { key, value: '' } }));
    }
  });
});
