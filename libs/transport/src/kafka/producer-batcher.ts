import type { Message, Producer, RecordMetadata } from 'kafkajs';

interface Pending {
  topic: string;
  message: Message;
  /** Called with the message's log offset when it named its partition. */
  resolve(offset: number | undefined): void;
  reject(error: unknown): void;
}

/**
 * Sends what callers publish in the same tick as one produce request, and never has
 * two requests in flight: batches grow on their own under load, and messages reach
 * the broker in the order they were published.
 *
 * It also reports where messages landed. A produce response gives one base offset per
 * partition, and the messages to one partition in one request are written as one record
 * batch with consecutive offsets, in the order sent; so a message that names its
 * partition has offset `baseOffset + its index among that request's messages to that
 * partition`. That only holds when every message to that topic in the request names its
 * partition (otherwise kafkajs places the others and the count is off), so a batch that
 * mixes both for one topic fails the messages that wanted an offset rather than give
 * them a wrong one.
 */
export class ProducerBatcher {
  private queue: Pending[] = [];
  private flushing = false;

  constructor(
    private readonly producer: Producer,
    private readonly timeoutMs: number,
  ) {}

  send(topic: string, message: Message): Promise<void> {
    return new Promise((resolve, reject) => this.enqueue({ topic, message, resolve: () => resolve(), reject }));
  }

  /** Sends to `partition` and resolves with the message's log offset once the leader acknowledged it. */
  sendToPartition(topic: string, partition: number, message: Omit<Message, 'partition'>): Promise<number> {
    return new Promise((resolve, reject) =>
      this.enqueue({
        topic,
        message: { ...message, partition },
        resolve: (offset) => (offset === undefined ? reject(new Error(`no offset reported for ${topic}/${partition}`)) : resolve(offset)),
        reject,
      }),
    );
  }

  /** Fails everything still queued (on stop). */
  abort(error: Error): void {
    const queued = this.queue;
    this.queue = [];
    queued.forEach((pending) => pending.reject(error));
  }

  private enqueue(pending: Pending): void {
    this.queue.push(pending);
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => void this.flush());
    }
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue;
      this.queue = [];
      const byTopic = new Map<string, Message[]>();
      for (const { topic, message } of batch) {
        const messages = byTopic.get(topic) ?? [];
        messages.push(message);
        byTopic.set(topic, messages);
      }
      try {
        const results = await this.producer.sendBatch({
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
          acks: 1,
          timeout: this.timeoutMs,
        });
        settle(batch, byTopic, results);
      } catch (error) {
        batch.forEach((pending) => pending.reject(error));
      }
    }
    this.flushing = false;
  }
}

/** Resolves each pending send, with its offset where it named its partition (see the class comment). */
function settle(batch: Pending[], byTopic: Map<string, Message[]>, results: RecordMetadata[]): void {
  const next = new Map<string, number>();
  for (const result of results) if (result.baseOffset !== undefined) next.set(`${result.partition}:${result.topicName}`, Number(result.baseOffset));
  const mixed = new Set([...byTopic].filter(([, messages]) => messages.some((m) => m.partition === undefined) && messages.some((m) => m.partition !== undefined)).map(([topic]) => topic));
  for (const pending of batch) {
    const { partition } = pending.message;
    if (partition === undefined) {
      pending.resolve(undefined);
      continue;
    }
    const key = `${partition}:${pending.topic}`;
    const offset = next.get(key);
    if (mixed.has(pending.topic) || offset === undefined) {
      pending.reject(new Error(`cannot tell the offset of a message to ${pending.topic}/${partition}${mixed.has(pending.topic) ? ': the batch mixed placed and unplaced messages' : ''}`));
      continue;
    }
    next.set(key, offset + 1);
    pending.resolve(offset);
  }
}
