import { afterEach, describe, expect, it } from 'vitest';
import { EventLoopMonitor } from './event-loop-monitor.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('EventLoopMonitor', () => {
  const monitor = new EventLoopMonitor();
  afterEach(() => monitor.onModuleDestroy());

  it('reports a stall of the event loop within the next window, then lets it age out', async () => {
    monitor.onModuleInit();
    await sleep(1100);
    const blockedUntil = Date.now() + 300;
    while (Date.now() < blockedUntil) {
      // a synchronous stall, as a runaway handler would cause
    }
    await sleep(1100);
    expect(monitor.lag.maxMs).toBeGreaterThanOrEqual(250);
    await sleep(1100);
    expect(monitor.lag.maxMs).toBeLessThan(250);
  });
});
