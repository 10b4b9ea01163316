import { DISTURBED_PERCENT } from '../workloads/fanout.js';
import type { StormRun, StormStep } from '../workloads/storm.js';
import { rolePercent } from './fanout-tables.js';
import { fixed, int, ratio } from './format.js';

/** The connect-storm tables. Handshake time is compared at a rate every server keeps up
 *  with, so it measures the handshake and not a queue. */
export const STORM_REFERENCE_RATE = 1000;

export function stormStepAt(run: StormRun | undefined, rate: number): StormStep | undefined {
  return run?.steps.find((s) => s.offeredPerSec === rate);
}

/** The step that accepted the most connections per second. */
function peakStep(run: StormRun): StormStep | undefined {
  return run.steps.reduce<StormStep | undefined>((best, s) => (!best || s.acceptedPerSec > best.acceptedPerSec ? s : best), undefined);
}

function cpuSplit(step: StormStep | undefined): string {
  if (!step) return '–';
  return ['server', 'bus', 'loadgen'].map((r) => fixed(rolePercent(step, r), 0)).join(' / ') + ` / ${fixed(step.irqPercent, 0)} / ${fixed(step.otherPercent, 0)}`;
}

export function stormSummary(runs: StormRun[]): { header: string[]; rows: string[][] } {
  const k = `@${int(STORM_REFERENCE_RATE)}/s`;
  const header = ['server', 'peak accepted/s', 'highest rate kept up', 'failures (step)', `handshake p50 / p99 ms ${k}`, `server µs/connection ${k}`, 'handshake p99 ms at peak', 'CPU % server / bus / loadgen / irq / other at peak'];
  const rows = runs.map((run) => {
    const ref = stormStepAt(run, STORM_REFERENCE_RATE);
    const peak = peakStep(run);
    const failing = run.steps.find((s) => s.failed > 0);
    return [
      run.label,
      run.error ? 'failed' : int(run.peakAcceptedPerSec),
      int(run.maxKeptUp),
      failing ? `${int(failing.failed)} (@${int(failing.offeredPerSec)}/s)` : '0',
      ref ? `${fixed(ref.handshake.p50, 2)} / ${fixed(ref.handshake.p99, 2)}` : '–',
      fixed(ref?.serverMicrosPerConnection, 0),
      fixed(peak?.handshake.p99, 1),
      cpuSplit(peak),
    ];
  });
  return { header, rows };
}

/** Switchboard ÷ each peer: above 1 is better for accepted/s, below 1 for time and CPU. */
export function stormRatios(runs: StormRun[]): { header: string[]; rows: string[][] } {
  const ours = runs.find((r) => r.target === 'switchboard');
  const a = stormStepAt(ours, STORM_REFERENCE_RATE);
  const k = `@${int(STORM_REFERENCE_RATE)}/s`;
  const header = ['Switchboard ÷', 'peak accepted/s', `handshake p99 ${k}`, `server µs/connection ${k}`];
  const rows = runs
    .filter((r) => r.target !== 'switchboard')
    .map((peer) => {
      const b = stormStepAt(peer, STORM_REFERENCE_RATE);
      return [
        peer.label,
        ours?.error || peer.error ? '–' : ratio(ours?.peakAcceptedPerSec, peer.peakAcceptedPerSec),
        ratio(a?.handshake.p99, b?.handshake.p99),
        ratio(a?.serverMicrosPerConnection, b?.serverMicrosPerConnection),
      ];
    });
  return { header, rows };
}

export function stormSteps(run: StormRun): { header: string[]; rows: string[][] } {
  const header = ['offered/s', 'started/s', 'attempts', 'opened', 'failed', 'accepted/s', 'handshake p50 ms', 'p99 ms', 'max ms', 'server µs/conn', 'loadgen µs/conn', 'CPU% srv', 'bus', 'loadgen', 'irq', 'other', 'verdict'];
  const rows = run.steps.map((s) => [
    int(s.offeredPerSec),
    int(s.startedPerSec),
    int(s.attempts),
    int(s.opened),
    int(s.failed),
    int(s.acceptedPerSec),
    fixed(s.handshake.p50, 2),
    fixed(s.handshake.p99, 2),
    fixed(s.handshake.max, 1),
    fixed(s.serverMicrosPerConnection, 0),
    fixed(s.loadgenMicrosPerConnection, 0),
    fixed(rolePercent(s, 'server'), 0),
    fixed(rolePercent(s, 'bus'), 0),
    fixed(rolePercent(s, 'loadgen'), 0),
    fixed(s.irqPercent, 0),
    fixed(s.otherPercent, 0),
    (s.verdict ?? 'kept up') +
      (s.otherPercent > DISTURBED_PERCENT ? ' (disturbed: other processes busy)' : s.retries > 0 ? ` (rerun ${s.retries}×: earlier try disturbed, this one clean)` : ''),
  ]);
  return { header, rows };
}
