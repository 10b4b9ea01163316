/**
 * A latency histogram with logarithmic buckets (2 % wide), so one fixed array covers
 * 1 µs to hours with bounded error, costs one Math.log per sample, and merges across
 * processes by adding counts. Values are microseconds.
 */
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = 1_300; // 1.02^1300 µs ≈ 150 000 s: nothing we measure falls off the end

export interface HistogramJson {
  /** [bucket, count] pairs of the non-empty buckets. */
  buckets: [number, number][];
  count: number;
  sum: number;
  max: number;
}

export class Histogram {
  private readonly counts = new Float64Array(BUCKETS);
  count = 0;
  sum = 0;
  max = 0;

  record(us: number): void {
    const v = us < 1 ? 1 : us;
    let i = Math.floor(Math.log(v) / LOG_GROWTH);
    if (i >= BUCKETS) i = BUCKETS - 1;
    this.counts[i]! += 1;
    this.count++;
    this.sum += v;
    if (v > this.max) this.max = v;
  }

  /** The value at quantile q (0..1): the upper edge of its bucket, capped at the true max. */
  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(GROWTH ** (i + 1), this.max);
    }
    return this.max;
  }

  merge(other: Histogram | HistogramJson): void {
    if (other instanceof Histogram) {
      for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    } else {
      for (const [i, n] of other.buckets) this.counts[i]! += n;
    }
    this.count += other.count;
    this.sum += other.sum;
    if (other.max > this.max) this.max = other.max;
  }

  toJSON(): HistogramJson {
    const buckets: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]! > 0) buckets.push([i, this.counts[i]!]);
    return { buckets, count: this.count, sum: this.sum, max: this.max };
  }

  static from(json: HistogramJson): Histogram {
    const h = new Histogram();
    h.merge(json);
    return h;
  }
}

/** Microseconds on CLOCK_MONOTONIC: one clock for every process on the machine, so a
 *  timestamp taken in the publisher process can be subtracted in a subscriber process. */
export function monotonicMicros(): number {
  const [s, ns] = process.hrtime();
  return s * 1e6 + Math.floor(ns / 1e3);
}
