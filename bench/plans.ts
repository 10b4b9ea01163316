import type { FanoutOptions } from './workloads/fanout.js';
import type { IdleOptions } from './workloads/idle.js';
import type { ManyChannelsOptions } from './workloads/many-channels.js';
import type { StormOptions } from './workloads/storm.js';

/**
 * What `npm run bench` (full, ≤ 20 min) and `npm run bench:quick` (≤ 3 min) run. Rates
 * are deliveries/s; 50,000 is the reference load of the goals and always runs.
 */
export interface Plan {
  mode: 'quick' | 'full';
  /** Past this many ms into the run, disturbed steps are no longer repeated. Repeats can
   *  add at most about this much to the undisturbed duration (quick ≈ 2 min, full ≈ 10),
   *  so it is what keeps a disturbed run inside its limit (3 and 20 min). */
  retryBudgetMs: number;
  workers: number;
  fanout: FanoutOptions[];
  idle: IdleOptions | undefined;
  manyChannels: ManyChannelsOptions | undefined;
  storm: StormOptions | undefined;
}

const SWEEP = [10_000, 25_000, 50_000, 75_000, 100_000, 125_000, 150_000, 200_000, 250_000];

export const QUICK: Plan = {
  mode: 'quick',
  retryBudgetMs: 55_000,
  workers: 2,
  fanout: [
    { bus: 'redis', nodes: 2, subscribers: 1000, rates: [10_000, 25_000, 50_000, 100_000, 150_000], stepMs: 3000, graceMs: 750, warmupMs: 1500, workers: 2, mustRun: 50_000, disturbedRetries: 1 },
  ],
  idle: { levels: [5000], settleMs: 1500, idleMs: 1500, workers: 2 },
  manyChannels: undefined,
  storm: undefined,
};

export const FULL: Plan = {
  mode: 'full',
  retryBudgetMs: 8 * 60_000,
  workers: 2,
  fanout: [
    { bus: 'redis', nodes: 2, subscribers: 1000, rates: SWEEP, stepMs: 4000, graceMs: 1000, warmupMs: 2000, workers: 2, mustRun: 50_000, disturbedRetries: 2 },
    { bus: 'redis', nodes: 2, subscribers: 5000, rates: SWEEP, stepMs: 4000, graceMs: 1000, warmupMs: 2000, workers: 2, mustRun: 50_000, disturbedRetries: 2 },
    { bus: 'kafka', nodes: 2, subscribers: 1000, rates: SWEEP, stepMs: 4000, graceMs: 1000, warmupMs: 2000, workers: 2, mustRun: 50_000, disturbedRetries: 2 },
  ],
  idle: { levels: [2500, 5000, 10_000, 15_000], settleMs: 3000, idleMs: 4000, workers: 3 },
  // sharedEvery = clients: `shared` is as likely as any one private channel would be among
  // 5,001, and its deliveries equal the private ones. Below 2,500 msgs/s a 4 s step would
  // hold fewer than two shared messages.
  manyChannels: { bus: 'redis', nodes: 2, clients: 5000, sharedEvery: 5000, rates: [2500, 5000, 10_000, 15_000, 20_000, 30_000], stepMs: 4000, graceMs: 1000, warmupMs: 2000, workers: 2, mustRun: 10_000, disturbedRetries: 2 },
  storm: { bus: 'none', rates: [500, 1000, 2500, 5000, 7500, 10_000], stepMs: 1000, pauseMs: 1000, workers: 2, disturbedRetries: 1 },
};
