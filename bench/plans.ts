import type { FanoutOptions } from './workloads/fanout.js';
import type { HistoryBenchOptions } from './workloads/history.js';
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
   *  add at most about this much to the undisturbed duration (quick ≈ 2 min, full ≈ 13),
   *  so it is what keeps a disturbed run inside its limit (3 and 20 min). */
  retryBudgetMs: number;
  workers: number;
  fanout: FanoutOptions[];
  idle: IdleOptions | undefined;
  manyChannels: ManyChannelsOptions | undefined;
  storm: StormOptions | undefined;
  /** Switchboard only (the peers have no history): one entry per bus. */
  history: HistoryBenchOptions[];
}

/** History cost and recovery (workloads/history.ts), Switchboard only: 2,000 msgs/s to
 *  1,000 channels, one subscriber each over 2 nodes, history off and on side by side;
 *  then 20 recoveries of 1,000 missed messages. ≈ 1.5 min on Redis, ≈ 1.7 on Kafka (its
 *  nodes start slower), ≤ 2 each with repeats of disturbed steps (retryWindowMs). Not in
 *  quick: it would take quick from ≈ 1.7 to ≈ 3 min. */
const HISTORY: Omit<HistoryBenchOptions, 'bus'> = {
  nodes: 2,
  channels: 1000,
  ratePerSec: 2000,
  warmupMs: 5000,
  stepMs: 4000,
  steps: 4,
  graceMs: 500,
  workers: 2,
  disturbedRetries: 1,
  retryWindowMs: 45_000,
  historySize: 1000,
  recoveryMax: 1000,
  recovery: { tries: 20, missed: 1000, publishConcurrency: 16, timeoutMs: 10_000, settleMs: 100 },
};

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
  history: [],
};

export const FULL: Plan = {
  mode: 'full',
  // 7, not 8, since the history workload added ≈ 3 min: 13 + 7 stays within 20.
  retryBudgetMs: 7 * 60_000,
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
  history: [
    { ...HISTORY, bus: 'redis' },
    { ...HISTORY, bus: 'kafka' },
  ],
};
