import { withinBudget } from '../lib/budget.js';
import type { BusKind } from '../lib/buses.js';
import { cpuBetween, type CpuUse, roleMicros, snapshot } from '../lib/proc-stats.js';
import { type Latency, latencyOf, sleep } from '../lib/summary.js';
import type { Target } from '../targets/target.js';
import { DISTURBED_PERCENT } from './fanout.js';
import { busFor, withSession } from './session.js';

/**
 * Connect storm: one node; per step the load generator starts `rate × stepMs` connection
 * attempts at `rate`/s without waiting for earlier ones, then closes them all before the
 * next step. Per step: connections accepted per second, failures, handshake time (attempt → usable: the WebSocket open, for Socket.IO the
 * namespace join too, i.e. what a user's client waits for) and the server's CPU per
 * accepted connection. Stepped up to 10,000/s; stops at the first step with failures or
 * accepting less than half the offered rate (it cannot say more at higher rates).
 */
export interface StormOptions {
  bus: BusKind;
  /** Offered connection attempts/s per step, ascending. */
  rates: number[];
  stepMs: number;
  /** Quiet time after closing a step's connections, so the server has released them. */
  pauseMs: number;
  workers: number;
  disturbedRetries: number;
}

/** A step kept up when it accepted at least this share of the offered rate, no failures. */
export const KEPT_UP_RATIO = 0.9;
/** Accepted/s = this share of the opened connections ÷ the time until that share was
 *  open. Not "until the last": a server whose accept queue overflows makes a few clients
 *  retransmit their SYN after 1 s, which would halve the rate of a 1 s step by itself;
 *  those stragglers show in the handshake p99/max instead. */
export const ACCEPTED_SHARE = 0.99;
const GAVE_UP_RATIO = 0.5;

export interface StormStep {
  offeredPerSec: number;
  attempts: number;
  /** Attempts/s the generator really started (below offered: the generator fell behind). */
  startedPerSec: number;
  opened: number;
  failed: number;
  errors: string[];
  acceptedPerSec: number;
  handshake: Latency;
  serverMicrosPerConnection: number;
  loadgenMicrosPerConnection: number;
  machineBusyPercent: number;
  irqPercent: number;
  otherPercent: number;
  retries: number;
  processes: CpuUse[];
  /** Why this step did not keep up, if it did not. */
  verdict: string | undefined;
}

export interface StormRun {
  target: string;
  label: string;
  bus: BusKind;
  steps: StormStep[];
  /** Highest offered rate accepted in full (≥ 90 % of it per second, no failure). */
  maxKeptUp: number | undefined;
  /** Highest accepted/s of any step. */
  peakAcceptedPerSec: number | undefined;
  ended: string | undefined;
  error?: string;
}

export async function runStorm(target: Target, options: StormOptions, log: (line: string) => void): Promise<StormRun> {
  const run: StormRun = { target: target.id, label: target.label, bus: busFor(target, options.bus), steps: [], maxKeptUp: undefined, peakAcceptedPerSec: undefined, ended: undefined };
  try {
    await withSession(target, { bus: options.bus, nodes: 1, workers: options.workers }, async ({ cluster, gen, watched }) => {
      let from = 0;
      let behind = false;
      // Warm-up: JIT on both sides, not recorded.
      await gen.storm(cluster.urls[0]!, target.protocol, 200, 200, from);
      await gen.closeAll();
      await sleep(options.pauseMs);
      for (const rate of options.rates) {
        const attempts = Math.round((rate * options.stepMs) / 1000);
        const once = async (): Promise<StormStep> => {
          const list = watched();
          const before = snapshot(list);
          const storm = await gen.storm(cluster.urls[0]!, target.protocol, attempts, rate, (from += attempts));
          const cpu = cpuBetween(list, before, snapshot(list));
          await gen.closeAll();
          await sleep(options.pauseMs);
          const acceptedPerSec = (storm.opened * ACCEPTED_SHARE) / (storm.completed.quantile(ACCEPTED_SHARE) / 1e6);
          const verdict =
            storm.failed > 0
              ? `${storm.failed} failed (${storm.errors.join('; ')})`
              : acceptedPerSec < rate * KEPT_UP_RATIO
                ? `accepted ${Math.round(acceptedPerSec)}/s < ${KEPT_UP_RATIO * 100} % of offered`
                : undefined;
          return {
            offeredPerSec: rate,
            attempts,
            startedPerSec: attempts / (storm.offerMs / 1000),
            opened: storm.opened,
            failed: storm.failed,
            errors: storm.errors,
            acceptedPerSec,
            handshake: latencyOf(storm.handshake),
            serverMicrosPerConnection: storm.opened > 0 ? roleMicros(cpu, 'server') / storm.opened : Number.NaN,
            loadgenMicrosPerConnection: storm.opened > 0 ? roleMicros(cpu, 'loadgen') / storm.opened : Number.NaN,
            machineBusyPercent: cpu.machineBusyPercent,
            irqPercent: cpu.irqPercent,
            otherPercent: cpu.otherPercent,
            retries: 0,
            processes: cpu.processes,
            verdict,
          };
        };
        let result = await once();
        for (let retry = 1; retry <= options.disturbedRetries && result.otherPercent > DISTURBED_PERCENT && withinBudget(); retry++) {
          log(`  ${target.id.padEnd(11)} ${String(rate).padStart(6)}/s: other processes used ${result.otherPercent.toFixed(0)} % CPU during the step; repeating it`);
          result = { ...(await once()), retries: retry };
        }
        run.steps.push(result);
        run.peakAcceptedPerSec = Math.max(run.peakAcceptedPerSec ?? 0, result.acceptedPerSec);
        log(
          `  ${target.id.padEnd(11)} ${String(rate).padStart(6)}/s offered (${Math.round(result.startedPerSec)}/s started) → ${String(Math.round(result.acceptedPerSec)).padStart(6)}/s accepted, ` +
            `${result.failed} failed, handshake p50/p99 ${result.handshake.p50}/${result.handshake.p99} ms, ${result.serverMicrosPerConnection.toFixed(0)} µs/connection, ` +
            `machine ${result.machineBusyPercent.toFixed(0)} % busy` +
            (result.verdict ? `  (${result.verdict})` : ''),
        );
        if (!result.verdict && !behind) run.maxKeptUp = rate;
        if (result.verdict) {
          behind = true;
          run.ended ??= `fell behind at ${rate}/s: ${result.verdict}`;
        }
        if (result.failed > 0 || result.acceptedPerSec < rate * GAVE_UP_RATIO) {
          run.ended = `stopped at ${rate}/s: ${result.verdict}`;
          break;
        }
      }
      run.ended ??= `kept up to ${options.rates.at(-1)}/s (the last step)`;
    });
  } catch (error) {
    run.error = (error as Error).message;
    log(`  ${target.id}: FAILED: ${run.error}`);
  }
  return run;
}
