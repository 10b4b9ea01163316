import type { Producer, ProducerBatch, RecordMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ProducerBatcher } from './producer-batcher.js';

/** A producer that assigns offsets like a broker: per partition, consecutive, in the order sent. */
function fakeProducer(startAt: Record<string, number> = {}) {
  const next = new Map(Object.entries(startAt));
  const requests: ProducerBatch[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const producer = {
    async sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
      requests.push(batch);
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
      const results: RecordMetadata[] = [];
      for (const { topic, messages } of batch.topicMessages ?? []) {
        const counts = new Map<number, number>();
        for (const message of messages) counts.set(message.partition ?? 0, (counts.get(message.partition ?? 0) ?? 0) + 1);
        for (const [partition, count] of counts) {
          const key = `${topic}/${partition}`;
          const base = next.get(key) ?? 0;
          next.set(key, base + count);
          results.push({ topicName: topic, partition, errorCode: 0, baseOffset: String(base) });
        }
      }
      return results;
    },
  };
  return { producer: producer as unknown as Producer, requests, maxInFlight: () => maxInFlight };
}

describe('ProducerBatcher', () => {
  it('resolves each placed message with its own log offset, per partition, in the order sent', async () => {
    const fake = fakeProducer({ 't/0': 100, 't/1': 7 });
    const batcher = new ProducerBatcher(fake.producer, 1000);
    const sends = [0, 1, 0, 0, 1].map((partition, i) => batcher.sendToPartition('t', partition, { key: `k${i}`, value: String(i) }));
    expect(await Promise.all(sends)).toEqual([100, 7, 101, 102, 8]);
    expect(fake.requests).toHaveLength(1);
  });

  it('keeps one request in flight, batches what arrives meanwhile, and keeps counting offsets across requests', async () => {
    const fake = fakeProducer();
    const batcher = new ProducerBatcher(fake.producer, 1000);
    const first = batcher.sendToPartition('t', 0, { value: 'a' });
    await new Promise((resolve) => setImmediate(resolve));
    const later = [...Array(5).keys()].map((i) => batcher.sendToPartition('t', 0, { value: String(i) }));
    const plain = batcher.send('control', { value: 'x' });
    expect(await first).toBe(0);
    expect(await Promise.all(later)).toEqual([1, 2, 3, 4, 5]);
    await expect(plain).resolves.toBeUndefined();
    expect(fake.requests).toHaveLength(2);
    expect(fake.maxInFlight()).toBe(1);
  });

  it('refuses to guess offsets when one topic gets placed and unplaced messages in one request', async () => {
    const fake = fakeProducer();
    const batcher = new ProducerBatcher(fake.producer, 1000);
    const placed = batcher.sendToPartition('t', 0, { value: 'a' });
    const unplaced = batcher.send('t', { key: 'k', value: 'b' });
    await expect(placed).rejects.toThrow(/mixed/);
    await expect(unplaced).resolves.toBeUndefined();
  });

  it('fails every message of a request that failed', async () => {
    const producer = { sendBatch: async () => Promise.reject(new Error('broker down')) } as unknown as Producer;
    const batcher = new ProducerBatcher(producer, 1000);
    await expect(batcher.sendToPartition('t', 0, { value: 'a' })).rejects.toThrow('broker down');
  });
});
