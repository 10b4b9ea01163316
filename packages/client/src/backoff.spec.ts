import { describe, expect, it } from 'vitest';
import { fullJitter } from './backoff.js';
import { kindOfClose, reconnectDelay } from './reconnect-policy.js';

const options = { baseMs: 1000, maxMs: 30_000, drainSpreadMs: 500, penaltyMs: 2000 };
const top = () => 0.999_999;
const bottom = () => 0;

describe('full-jitter backoff', () => {
  it('draws from [0, base·2^attempt), doubling per attempt', () => {
    expect([0, 1, 2, 3, 4].map((attempt) => fullJitter(attempt, options, top))).toEqual([999, 1999, 3999, 7999, 15_999]);
    expect(fullJitter(3, options, bottom)).toBe(0);
    expect(fullJitter(2, options, () => 0.5)).toBe(2000);
  });

  it('is capped at maxMs, even after very many attempts', () => {
    expect(fullJitter(5, options, top)).toBe(29_999);
    expect(fullJitter(10_000, options, top)).toBe(29_999);
  });

  it('spreads a crowd over the whole window (no lockstep)', () => {
    const delays = Array.from({ length: 10_000 }, () => fullJitter(2, options));
    const buckets = [0, 0, 0, 0];
    for (const delay of delays) buckets[Math.floor(delay / 1000)]!++;
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(4000);
    for (const count of buckets) expect(count).toBeGreaterThan(2000);
  });
});

describe('reconnect policy by close code', () => {
  it('1012 (draining) reconnects at once within the drain spread, without counting as a failure', () => {
    expect(kindOfClose(1012)).toBe('drain');
    expect(reconnectDelay('drain', 7, options, top)).toEqual({ delayMs: 499, counts: false });
    expect(reconnectDelay('drain', 7, options, bottom)).toEqual({ delayMs: 0, counts: false });
  });

  it('1008 and 4008 back off: a penalty on top of the backoff', () => {
    expect(kindOfClose(1008)).toBe('penalty');
    expect(kindOfClose(4008)).toBe('penalty');
    expect(reconnectDelay('penalty', 0, options, bottom)).toEqual({ delayMs: 2000, counts: true });
    expect(reconnectDelay('penalty', 1, options, top)).toEqual({ delayMs: 3999, counts: true });
  });

  it('anything else backs off with full jitter', () => {
    for (const code of [1000, 1001, 1006, 1009, 1011, 4000]) expect(kindOfClose(code)).toBe('backoff');
    expect(reconnectDelay('backoff', 2, options, top)).toEqual({ delayMs: 3999, counts: true });
  });
});
