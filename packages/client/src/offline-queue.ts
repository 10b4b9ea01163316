import { SwitchboardError } from './errors.js';
import type { PublishAck } from './protocol.js';

interface Queued {
  channel: string;
  payload: unknown;
  resolve: (ack: PublishAck) => void;
  reject: (error: SwitchboardError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Publishes made while disconnected, waiting for the next connection: bounded in number
 * and in time, so none waits forever and none is dropped without its promise saying so.
 */
export class OfflineQueue {
  private queue: Queued[] = [];
  private readonly max: number;
  private readonly timeoutMs: number;

  constructor(max: number, timeoutMs: number) {
    this.max = max;
    this.timeoutMs = timeoutMs;
  }

  enqueue(channel: string, payload: unknown): Promise<PublishAck> {
    if (this.queue.length >= this.max) {
      return Promise.reject(new SwitchboardError('QUEUE_FULL', `${this.max} publishes already wait for a connection (offlineQueueSize)`, { sent: false }));
    }
    return new Promise((resolve, reject) => {
      const entry: Queued = {
        channel,
        payload,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.queue = this.queue.filter((queued) => queued !== entry);
          reject(new SwitchboardError('TIMEOUT', `not connected within ${this.timeoutMs} ms (offlineTimeoutMs); not published`, { sent: false }));
        }, this.timeoutMs),
      };
      this.queue.push(entry);
    });
  }

  /** Hands every waiting publish, oldest first, to `publish`, and settles it with its outcome. */
  drain(publish: (channel: string, payload: unknown) => Promise<PublishAck>): void {
    const queued = this.queue;
    this.queue = [];
    for (const entry of queued) {
      clearTimeout(entry.timer);
      publish(entry.channel, entry.payload).then(entry.resolve, entry.reject);
    }
  }

  rejectAll(error: SwitchboardError): void {
    const queued = this.queue;
    this.queue = [];
    for (const entry of queued) {
      clearTimeout(entry.timer);
      entry.reject(error);
    }
  }
}
