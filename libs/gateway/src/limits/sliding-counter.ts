/** Counts events in the last `windowMs`, in a fixed number of buckets (constant memory). */
export class SlidingCounter {
  private readonly buckets: number[];
  private readonly bucketMs: number;
  private current = 0;
  private currentStart: number;

  constructor(windowMs: number, buckets = 6, now = Date.now()) {
    this.buckets = new Array<number>(buckets).fill(0);
    this.bucketMs = windowMs / buckets;
    this.currentStart = now;
  }

  /** Adds one event and returns the count over the window. */
  add(now = Date.now()): number {
    this.advance(now);
    this.buckets[this.current]! += 1;
    return this.buckets.reduce((sum, n) => sum + n, 0);
  }

  private advance(now: number): void {
    let steps = Math.floor((now - this.currentStart) / this.bucketMs);
    if (steps <= 0) return;
    if (steps > this.buckets.length) steps = this.buckets.length;
    for (let i = 0; i < steps; i++) {
      this.current = (this.current + 1) % this.buckets.length;
      this.buckets[this.current] = 0;
    }
    this.currentStart = now;
  }
}
