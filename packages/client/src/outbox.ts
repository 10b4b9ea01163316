/** A frame waiting to be written. `cancelled` ones (their request timed out) are skipped, never sent late. */
export interface Outgoing {
  /** The encoded frame: text, or bytes for a binary format. */
  data: string | Uint8Array;
  sent: boolean;
  cancelled: boolean;
}

/**
 * Writes frames in order, paced by a token bucket a little under the server's
 * per-connection rate limit (RATE_LIMIT_PER_SEC, RATE_LIMIT_BURST), so a burst — above
 * all the resubscription of every channel after a reconnect — waits here instead of
 * being answered RATE_LIMITED, which would lose requests and, kept up, close the
 * connection with 1008. The bucket starts full on every connection, as the server's does.
 */
export class Outbox {
  private queue: Outgoing[] = [];
  private write: ((data: string | Uint8Array) => void) | undefined;
  private tokens = 0;
  private refilledAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly perSec: number;
  private readonly burst: number;
  private readonly now: () => number;

  /** `perSec` 0: no pacing. */
  constructor(perSec: number, burst: number, now: () => number = Date.now) {
    this.perSec = perSec;
    this.burst = Math.max(1, burst);
    this.now = now;
  }

  /** Starts writing to a new connection. */
  attach(write: (data: string | Uint8Array) => void): void {
    this.write = write;
    this.tokens = this.burst;
    this.refilledAt = this.now();
    this.flush();
  }

  /** Stops writing; frames not yet written are dropped (their requests fail as not sent). */
  detach(): void {
    this.write = undefined;
    this.queue = [];
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  push(frame: Outgoing): void {
    this.queue.push(frame);
    this.flush();
  }

  private flush(): void {
    const write = this.write;
    if (!write || this.timer) return;
    if (this.perSec > 0) {
      const now = this.now();
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) * this.perSec) / 1000);
      this.refilledAt = now;
    }
    while (this.queue.length > 0) {
      const frame = this.queue[0]!;
      if (!frame.cancelled) {
        if (this.perSec > 0 && this.tokens < 1) {
          this.timer = setTimeout(() => {
            this.timer = undefined;
            this.flush();
          }, Math.ceil(((1 - this.tokens) * 1000) / this.perSec));
          return;
        }
        this.tokens -= 1;
        frame.sent = true;
        write(frame.data);
      }
      this.queue.shift();
    }
  }
}
