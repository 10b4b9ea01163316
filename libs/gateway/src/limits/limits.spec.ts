import { describe, expect, it } from 'vitest';
import { SlidingCounter } from './sliding-counter.js';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('allows the burst at once, then the rate', () => {
    const bucket = new TokenBucket(10, 5, 0);
    expect([...Array(6)].map(() => bucket.take(0))).toEqual([true, true, true, true, true, false]);
    expect(bucket.take(50)).toBe(false);
    expect(bucket.take(100)).toBe(true);
    expect(bucket.take(100)).toBe(false);
  });

  it('never stores more than the burst', () => {
    const bucket = new TokenBucket(100, 3, 0);
    expect([...Array(4)].map(() => bucket.take(60_000))).toEqual([true, true, true, false]);
  });
});

describe('SlidingCounter', () => {
  it('counts events within the window and forgets older ones', () => {
    const counter = new SlidingCounter(60_000, 6, 0);
    expect(counter.add(0)).toBe(1);
    expect(counter.add(30_000)).toBe(2);
    expect(counter.add(59_000)).toBe(3);
    expect(counter.add(75_000)).toBe(3); // the first bucket (0-10 s) has rolled out
    expect(counter.add(200_000)).toBe(1);
  });
});
