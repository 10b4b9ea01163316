import type { MachineInfo } from '../lib/machine.js';
import type { ClientCpuOptions, ClientCpuResult } from '../workloads/client-cpu.js';
import type { FanoutOptions, FanoutRun } from '../workloads/fanout.js';
import type { FormatsOptions, FormatsRun } from '../workloads/formats.js';
import type { HistoryBenchOptions, HistoryRun } from '../workloads/history.js';
import type { IdleOptions, IdleRun } from '../workloads/idle.js';
import type { ManyChannelsOptions, ManyChannelsRun } from '../workloads/many-channels.js';
import type { MsgpackLibsOptions, MsgpackLibsResult } from '../workloads/msgpack-libs.js';
import type { StormOptions, StormRun } from '../workloads/storm.js';

/** Everything one `npm run bench` writes to bench/results/<name>.json. */
export interface BenchReport {
  meta: {
    mode: 'quick' | 'full';
    startedAt: string;
    seconds: number;
    machine: MachineInfo;
    /** Switchboard's environment beyond the defaults (limits on, set high). */
    switchboardEnv: Record<string, string>;
    saturation: { p99Ms: number; deliveredRatio: number };
    loadgenWorkers: number;
  };
  fanout: { options: FanoutOptions; runs: FanoutRun[] }[];
  idle?: { options: IdleOptions; runs: IdleRun[] };
  manyChannels?: { options: ManyChannelsOptions; runs: ManyChannelsRun[] };
  storm?: { options: StormOptions; runs: StormRun[] };
  /** Switchboard only, one entry per bus. */
  history?: { options: HistoryBenchOptions; run: HistoryRun }[];
  /** Switchboard only: JSON vs MessagePack on one Redis cluster. */
  formats?: { options: FormatsOptions; run: FormatsRun };
  /** @switchboard/client's CPU per received message (the `npm run bench:client` workload). */
  clientCpu?: { options: ClientCpuOptions; results: ClientCpuResult[]; seconds: number; buildWarnings?: string; error?: string };
  /** msgpackr vs @msgpack/msgpack on the server's frame shapes. */
  msgpackLibs?: { options: MsgpackLibsOptions; result?: MsgpackLibsResult; seconds: number; error?: string };
  goals: GoalResult[];
}

export interface GoalResult {
  goal: string;
  /** "≤ 0.6× socket.io", "≤ 6 KiB", … */
  target: string;
  /** The numbers the verdict rests on, in words. */
  measured: string;
  /** undefined = could not be measured in this run (workload not run, or a server failed). */
  met: boolean | undefined;
}
