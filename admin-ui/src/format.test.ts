import { describe, expect, it } from 'vitest';
import { formatAge, formatDuration, formatInt, formatRate } from './format';

const n = (value: number, options?: Intl.NumberFormatOptions) => new Intl.NumberFormat(undefined, options).format(value);

describe('number formatting', () => {
  it('groups integers in the browser locale and shows a dash for missing values', () => {
    expect(formatInt(1234567)).toBe(n(1234567));
    expect(formatInt(1234567)).not.toBe('1234567');
    expect(formatInt(undefined)).toBe('—');
    expect(formatInt(Number.NaN)).toBe('—');
  });

  it('shows rates with one decimal when small, whole when large, compact when huge', () => {
    expect(formatRate(0)).toBe('0');
    expect(formatRate(12.345)).toBe(n(12.3));
    expect(formatRate(1234.5)).toBe(n(1235));
    expect(formatRate(2_500_000)).toBe(n(2_500_000, { notation: 'compact', maximumFractionDigits: 1 }));
  });
});

describe('durations', () => {
  it.each([
    [0, '0 s'],
    [42_900, '42 s'],
    [5 * 60_000 + 3_000, '5 min 3 s'],
    [2 * 3_600_000 + 5 * 60_000, '2 h 5 min'],
    [3 * 86_400_000 + 4 * 3_600_000, '3 d 4 h'],
  ])('%i ms → %s', (ms, text) => expect(formatDuration(ms)).toBe(text));

  it('gives fresh heartbeat ages in tenths of a second, older ones as durations', () => {
    expect(formatAge(430)).toBe(`${n(0.4, { maximumFractionDigits: 1 })} s ago`);
    expect(formatAge(-50)).toBe('0 s ago');
    expect(formatAge(75_000)).toBe('1 min 15 s ago');
  });
});
