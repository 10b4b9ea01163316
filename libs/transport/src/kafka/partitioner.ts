/**
 * The partition of a key, exactly as kafkajs' `Partitioners.DefaultPartitioner` (and
 * the Java client's) computes it: murmur2 of the key's UTF-8 bytes, made positive,
 * modulo the partition count. The transport names the partition of every broadcast
 * itself, because a publication's position is its log offset and the produce response
 * reports offsets per partition: the sender must know which partition each message went
 * to. partitioner.spec.ts checks it against kafkajs' own partitioner.
 *
 * kafkajs computes murmur2 with 64-bit `Long`s and keeps the low 32 bits; 32-bit
 * `Math.imul` arithmetic gives the same bits without allocating.
 */
export function partitionFor(key: string, partitionCount: number): number {
  return (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % partitionCount;
}

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils#murmur2), as a signed 32-bit int. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & 3;
  if (tail > 0) {
    if (tail === 3) h ^= data[whole + 2]! << 16;
    if (tail >= 2) h ^= data[whole + 1]! << 8;
    h ^= data[whole]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}
