import { SwitchboardError } from './errors.js';

interface Queued {
  /** Sends the request on the connection that was just welcomed. */
  send: () => Promise<any>;
  resolve: (reply: any) => void;
  reject: (error: SwitchboardError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Requests (publishes and rpcs) made while disconnected, waiting for the next connection:
 * bounded in number and in time, so none waits forever and none is dropped without its
 * promise saying so. Only requests that were never written wait here: one that may have
 * been sent is never sent again.
 */
export class OfflineQueue {
  private queue: Queued[] = [];
  private readonly max: number;
  private readonly timeoutMs: number;

  constructor(max: number, timeoutMs: number) {
    this.max = max;
    this.timeoutMs = timeoutMs;
  }

  enqueue<T>(send: () => Promise<T>): Promise<T> {
    if (this.queue.length >= this.max) {
      return Promise.reject(new SwitchboardError('QUEUE_FULL', `${this.max} requests already wait for a connection (offlineQueueSize); not sent`, { sent: false }));
    }
    return new Promise((resolve, reject) => {
      const entry: Queued = {
        send,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.queue = this.queue.filter((queued) => queued !== entry);
          reject(new SwitchboardError('TIMEOUT', `not connected within ${this.timeoutMs} ms (offlineTimeoutMs); not sent`, { sent: false }));
        }, this.timeoutMs),
      };
      this.queue.push(entry);
    });
  }

  /** Sends every waiting request, oldest first, and settles it with its outcome. */
  drain(): void {
    const queued = this.queue;
    this.queue = [];
    for (const entry of queued) {
      clearTimeout(entry.timer);
      entry.send().then(entry.resolve, entry.reject);
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
