import type { Histogram } from './histogram.js';

/** Latency summary in milliseconds, rounded for the report. */
export interface Latency {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export function latencyOf(h: Histogram): Latency {
  const ms = (us: number): number => (Number.isFinite(us) ? Math.round(us / 10) / 100 : Number.NaN);
  return { count: h.count, p50: ms(h.quantile(0.5)), p99: ms(h.quantile(0.99)), max: ms(h.max) };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
