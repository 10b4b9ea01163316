import type { TopicDescription } from './topic-id-request.js';

/**
 * How a Kafka log maps onto history positions.
 *
 * Offset: a publication's offset is its record's log offset **plus one**. The history
 * API counts 0 as "before the first publication" and needs offsets ≥ 0, while Kafka's
 * first record has offset 0 and an empty partition's top would be -1. Shifted by one,
 * the top of a partition is exactly its high watermark (0 when empty), "the
 * publications after position p" are the records from log offset p on, and no position
 * ever hides log offset 0. Offsets still grow per channel with gaps, as on every Kafka
 * design; only someone comparing them with `kafka-console-consumer` output sees the +1.
 *
 * Epoch: the broadcast topic's Kafka topic ID (which Kafka draws at random whenever the
 * topic is created, and keeps in its own metadata) and its partition count (which decides
 * the partition of every channel). Every node reads the same value; it survives the
 * restart of every node and broker; it changes when the topic is deleted and created
 * again, by a node or by hand, and when partitions are added (channels then move to
 * other partitions, so their old offsets mean nothing). Nothing has to be written, so no
 * start-up race and no crash window can leave two nodes with different epochs.
 */
export const streamOffsetOf = (logOffset: number): number => logOffset + 1;

/** The first log offset a reader "after stream offset `offset`" wants. */
export const firstLogOffsetAfter = (offset: number): number => offset;

/** The stream position of a partition's top: its last record's (log offset + 1). */
export const topOf = (highWatermark: number): number => highWatermark;

const NO_TOPIC_ID = /^0+$/;

/** Lowercase hex and digits only (the bus codec puts epochs between `|` separators). */
export function epochOf(topic: TopicDescription): string {
  if (NO_TOPIC_ID.test(topic.topicId)) throw new Error(`topic ${topic.name} has no topic ID (a cluster from before Kafka 2.8?); history needs one`);
  return `${topic.topicId.slice(0, 16)}p${topic.partitions}`;
}
