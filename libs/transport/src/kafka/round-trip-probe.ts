/** Header that marks a transport-internal probe; other nodes skip such messages. */
export const PROBE_HEADER = 'sb-probe';

/**
 * Readiness for Kafka means "what this node publishes comes back to it", so it is
 * measured that way: probes sent through the broker and consumed again. A stale last
 * round trip means the broker, the producer or the consumer is not working.
 */
export class RoundTripProbe {
  private readonly pending = new Map<string, () => void>();
  private sequence = 0;
  private lastRoundTripAt = 0;

  constructor(private readonly owner: string) {}

  /** A new token; `arrived` resolves when it comes back. */
  next(): { token: string; arrived: Promise<void> } {
    const token = `${this.owner}:${++this.sequence}`;
    const arrived = new Promise<void>((resolve) => this.pending.set(token, resolve));
    return { token, arrived };
  }

  cancel(token: string): void {
    this.pending.delete(token);
  }

  /** Called for every probe consumed; tokens of other nodes are ignored. */
  received(token: string): void {
    const resolve = this.pending.get(token);
    if (!resolve) return;
    this.pending.delete(token);
    this.lastRoundTripAt = Date.now();
    resolve();
  }

  ageMs(): number {
    return this.lastRoundTripAt === 0 ? Number.POSITIVE_INFINITY : Date.now() - this.lastRoundTripAt;
  }

  reset(): void {
    this.pending.clear();
    this.lastRoundTripAt = 0;
  }
}
