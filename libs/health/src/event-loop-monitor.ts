import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

/** Each reading covers one window, so a stall shows for a second and then ages out. */
const WINDOW_MS = 1000;
/** Sampling period of the delay timer; finer costs more wake-ups for nothing an operator needs. */
const RESOLUTION_MS = 10;

export interface EventLoopLag {
  /** 99th percentile of the event-loop delay over the last window, in ms. */
  p99Ms: number;
  /** Longest single stall over the last window, in ms. */
  maxMs: number;
}

/**
 * How late the event loop runs, from perf_hooks' delay histogram. A node whose loop
 * stalls answers every client late, whatever its connection count says: liveness and
 * the load balancer's weight both read this.
 */
@Injectable()
export class EventLoopMonitor implements OnModuleInit, OnModuleDestroy {
  private histogram?: IntervalHistogram;
  private timer?: NodeJS.Timeout;
  private last: EventLoopLag = { p99Ms: 0, maxMs: 0 };

  onModuleInit(): void {
    this.histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.histogram.enable();
    this.timer = setInterval(() => this.roll(), WINDOW_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.histogram?.disable();
  }

  /** The last complete window; zeros before the first one ends. */
  get lag(): EventLoopLag {
    return this.last;
  }

  private roll(): void {
    const histogram = this.histogram;
    if (!histogram) return;
    this.last = histogram.count === 0 ? { p99Ms: 0, maxMs: 0 } : { p99Ms: lateBy(histogram.percentile(99)), maxMs: lateBy(histogram.max) };
    histogram.reset();
  }
}

/** The histogram records the whole period between timer runs; the delay is what exceeds the resolution. */
const lateBy = (nanoseconds: number) => Math.max(Math.round((nanoseconds / 1e6 - RESOLUTION_MS) * 100) / 100, 0);
