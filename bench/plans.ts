import type { ClientCpuOptions } from './workloads/client-cpu.js';
import { CLIENT_CPU_DEFAULTS } from './workloads/client-cpu.js';
import type { FanoutOptions } from './workloads/fanout.js';
import type { FormatsOptions } from './workloads/formats.js';
import type { HistoryBenchOptions } from './workloads/history.js';
import type { IdleOptions } from './workloads/idle.js';
import type { ManyChannelsOptions } from './workloads/many-channels.js';
import { MSGPACK_LIBS_DEFAULTS, type MsgpackLibsOptions } from './workloads/msgpack-libs.js';
import type { StormOptions } from './workloads/storm.js';

/**
 * What `npm run bench` (full, ≤ 20 min) and `npm run bench:quick` (≤ 3 min) run. Rates
 * are deliveries/s; 50,000 is the reference load of the goals and always runs.
 */
export interface Plan {
  mode: 'quick' | 'full';
  /** Past this many ms into the run, disturbed steps are no longer repeated. Repeats can
   *  add at most about this much to the undisturbed duration (quick ≈ 2 min, full ≈ 16.5),
   *  so it is what keeps a disturbed run inside its limit (3 and 20 min). */
  retryBudgetMs: number;
  workers: number;
  fanout: FanoutOptions[];
  idle: IdleOptions | undefined;
  manyChannels: ManyChannelsOptions | undefined;
  storm: StormOptions | undefined;
  /** Switchboard only (the peers have no history): one entry per bus. */
  history: HistoryBenchOptions[];
  /** Switchboard only: JSON vs MessagePack (Redis). */
  formats: FormatsOptions | undefined;
  /** @switchboard/client's CPU per message (the `npm run bench:client` workload). */
  clientCpu: ClientCpuOptions | undefined;
  /** msgpackr vs @msgpack/msgpack, in a process of its own. */
  msgpackLibs: MsgpackLibsOptions | undefined;
}

/** JSON vs MessagePack (workloads/formats.ts), Switchboard only, one Redis cluster of 2
 *  nodes holding every variant at once: 5 fan-out variants of 1,000 subscribers at
 *  25,000 deliveries/s (half the reference load: no variant saturates, the 1 KiB ones
 *  included) and 4 publish-path variants at 5,000 msgs/s to 1,000 private channels
 *  (half of many-channels' reference rate, one subscriber per message); 4 rounds of 1.5 s
 *  steps (more turns, not longer steps: a step's CPU per message varies by ± 15 % on this
 *  2-core VM with nothing else running, and more turns average that out), after 2
 *  unrecorded rounds of 1 s (the first turns cost up to 20 % more). ≈ 1.7 min.
 *  Not in quick. */
const FORMATS: FormatsOptions = {
  bus: 'redis',
  nodes: 2,
  workers: 2,
  fanout: { subscribers: 1000, deliveriesPerSec: 25_000, variants: ['json', 'msgpack', 'mixed', 'msgpack-binary', 'json-binary'] },
  publish: { channels: 1000, ratePerSec: 5000, variants: ['json-json', 'msgpack-json', 'msgpack-msgpack', 'json-msgpack'] },
  stepMs: 1500,
  graceMs: 300,
  warmupMs: 1000,
  warmupRounds: 2,
  rounds: 4,
  disturbedRetries: 1,
};

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
  // ≈ 2, ≈ 1.2 and ≈ 0.3 min: none of them fits in quick's 3 minutes next to fan-out.
  formats: undefined,
  clientCpu: undefined,
  msgpackLibs: undefined,
};

export const FULL: Plan = {
  mode: 'full',
  // 7, not 8, since the history workload added ≈ 3 min: 13 + 7 stays within 20. 3, not 7,
  // since formats, client CPU and the library micro-bench added ≈ 3.3 min (measured: ≈ 100,
  // 75 and 20 s; two disturbed full runs took 18.6 min with the budget at 7 and 18.2 at
  // 3.5, ≈ 16.5 without their repeats): 16.5 + 3 stays within 20. So only the first
  // workloads (fan-out on Redis) get repeats of disturbed steps in a full run; run a
  // workload alone (`--workloads …`, the same budget from its start) to get them there.
  retryBudgetMs: 3 * 60_000,
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
  formats: FORMATS,
  clientCpu: CLIENT_CPU_DEFAULTS,
  msgpackLibs: MSGPACK_LIBS_DEFAULTS,
};
