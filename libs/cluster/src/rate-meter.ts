/** Turns monotonic counters into per-second rates between two samples. */
export class RateMeter {
  private last = new Map<string, number>();
  private lastAt = Date.now();

  /** Rates since the previous call, per key; keys absent now are forgotten. */
  sample(totals: Iterable<[string, number]>): Map<string, number> {
    const now = Date.now();
    const seconds = Math.max((now - this.lastAt) / 1000, 0.001);
    const next = new Map<string, number>();
    const rates = new Map<string, number>();
    for (const [key, total] of totals) {
      next.set(key, total);
      const previous = this.last.get(key) ?? total;
      rates.set(key, Math.round((Math.max(total - previous, 0) / seconds) * 10) / 10);
    }
    this.last = next;
    this.lastAt = now;
    return rates;
  }
}
