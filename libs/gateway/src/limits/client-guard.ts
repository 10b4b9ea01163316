import type { LimitsConfig } from '#libs/config';
import { SlidingCounter } from './sliding-counter.js';
import { TokenBucket } from './token-bucket.js';

export type Verdict = 'ok' | 'limited' | 'close';

/**
 * One connection's inbound budget: a message rate (token bucket) and a tolerance for
 * invalid frames. A client that keeps going past either is closed with 1008.
 */
export class ClientGuard {
  private readonly bucket: TokenBucket;
  // Created on first use: most connections never need them, and idle memory is per connection.
  private limited?: SlidingCounter;
  private invalid?: SlidingCounter;

  constructor(private readonly limits: LimitsConfig) {
    this.bucket = new TokenBucket(limits.ratePerSec, limits.rateBurst);
  }

  /** Every inbound frame (and ping) spends one token. Past a burst's worth of refusals in 10 s, close. */
  admit(): Verdict {
    if (this.bucket.take()) return 'ok';
    this.limited ??= new SlidingCounter(10_000);
    return this.limited.add() > this.limits.rateBurst ? 'close' : 'limited';
  }

  /** Counts one invalid frame; true when the client is past INVALID_FRAMES_PER_MINUTE. */
  invalidFrame(): boolean {
    this.invalid ??= new SlidingCounter(60_000);
    return this.invalid.add() > this.limits.invalidFramesPerMinute;
  }
}
