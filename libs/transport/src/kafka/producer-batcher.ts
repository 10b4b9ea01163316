import type { Message, Producer } from 'kafkajs';

interface Pending {
  topic: string;
  message: Message;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Sends what callers publish in the same tick as one produce request, and never has
 * two requests in flight: batches grow on their own under load, and messages reach
 * the broker in the order they were published.
 */
export class ProducerBatcher {
  private queue: Pending[] = [];
  private flushing = false;

  constructor(
    private readonly producer: Producer,
    private readonly timeoutMs: number,
  ) {}

  send(topic: string, message: Message): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ topic, message, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Fails everything still queued (on stop). */
  abort(error: Error): void {
    const queued = this.queue;
    this.queue = [];
    queued.forEach((pending) => pending.reject(error));
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
        await this.producer.sendBatch({
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
          acks: 1,
          timeout: this.timeoutMs,
        });
        batch.forEach((pending) => pending.resolve());
      } catch (error) {
        batch.forEach((pending) => pending.reject(error));
      }
    }
    this.flushing = false;
  }
}
