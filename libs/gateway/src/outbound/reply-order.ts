/** A place in a connection's reply order, taken when its request arrives. */
export interface Slot<T> {
  /**
   * Settles the slot with the reply (or `undefined`: no reply) and what must follow it on
   * the socket. The first call counts; later ones are ignored.
   */
  settle(reply: T | undefined, after?: () => void): void;
}

interface Entry<T> extends Slot<T> {
  settled: boolean;
  reply?: T;
  after?: () => void;
}

/**
 * Replies leave in the order their requests arrived, whatever order their handlers
 * finish in: a fast `echo` waits for the slower `publish` before it. Each settled slot at
 * the head is released to `write`; an unsettled one holds the rest back.
 */
export class ReplyOrder<T> {
  // Allocated on first use: an idle connection holds none of them.
  private queue?: Array<Entry<T>>;
  private drainedWaiters?: Array<() => void>;

  constructor(private readonly write: (reply: T) => void) {}

  get pending(): number {
    return this.queue?.length ?? 0;
  }

  reserve(): Slot<T> {
    const slot: Entry<T> = {
      settled: false,
      settle: (reply, after) => {
        if (slot.settled) return;
        slot.settled = true;
        slot.reply = reply;
        slot.after = after;
        this.release();
      },
    };
    (this.queue ??= []).push(slot);
    return slot;
  }

  /** Resolves once every slot reserved so far has been released (or at once if none). */
  drained(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => (this.drainedWaiters ??= []).push(resolve));
  }

  private release(): void {
    const queue = this.queue!;
    while (queue[0]?.settled) {
      const slot = queue.shift()!;
      if (slot.reply !== undefined) this.write(slot.reply);
      slot.after?.();
    }
    if (queue.length === 0 && this.drainedWaiters) {
      const waiters = this.drainedWaiters;
      this.drainedWaiters = undefined;
      waiters.forEach((resolve) => resolve());
    }
  }
}
