import { DISTURBED_PERCENT } from '../workloads/fanout.js';
import type { ManyChannelsRun, ManyChannelsStep } from '../workloads/many-channels.js';
import { rolePercent } from './fanout-tables.js';
import { fixed, int, ratio } from './format.js';

/** The many-channels tables: a summary per server at the reference rate (the plan's
 *  `mustRun`, which every server reaches), Switchboard's ratios, and each sweep. */
export function manyStepAt(run: ManyChannelsRun | undefined, rate: number): ManyChannelsStep | undefined {
  return run?.steps.find((s) => s.offeredPerSec === rate);
}

function cpuSplit(step: ManyChannelsStep): string {
  return ['server', 'bus', 'loadgen', 'publisher'].map((r) => fixed(rolePercent(step, r), 0)).join(' / ') + ` / ${fixed(step.irqPercent, 0)} / ${fixed(step.otherPercent, 0)}`;
}

function maxSustained(run: ManyChannelsRun): string {
  if (run.error) return 'failed';
  if (run.maxSustained === undefined) return `none (< ${int(run.steps[0]?.offeredPerSec)})`;
  const value = int(run.maxSustained);
  return run.ended?.startsWith('not saturated') ? `≥ ${value}` : value;
}

export function manySummary(runs: ManyChannelsRun[], reference: number): { header: string[]; rows: string[][] } {
  const k = `@${int(reference)} msgs/s`;
  const header = ['server', 'nodes', 'max sustained msgs/s', `deliveries/s ${k}`, `private p50 / p99 ms ${k}`, `shared p99 ms ${k}`, `server µs/delivery ${k}`, 'with bus', `CPU % server / bus / loadgen / publisher / irq / other ${k}`];
  const rows = runs.map((run) => {
    const ref = manyStepAt(run, reference);
    return [
      run.label,
      String(run.nodes),
      maxSustained(run),
      int(ref?.deliveredPerSec),
      ref ? `${fixed(ref.private.p50, 2)} / ${fixed(ref.private.p99, 2)}` : '–',
      fixed(ref?.shared.p99, 2),
      fixed(ref?.serverMicrosPerDelivery, 2),
      fixed(ref?.withBusMicrosPerDelivery, 2),
      ref ? cpuSplit(ref) : '–',
    ];
  });
  return { header, rows };
}

/** Switchboard ÷ each peer: below 1 is better for CPU and latency, above 1 for throughput. */
export function manyRatios(runs: ManyChannelsRun[], reference: number): { header: string[]; rows: string[][] } {
  const ours = runs.find((r) => r.target === 'switchboard');
  const a = manyStepAt(ours, reference);
  const k = `@${int(reference)}`;
  const header = ['Switchboard ÷', `µs/delivery ${k}`, `private p99 ${k}`, `shared p99 ${k}`, 'max sustained'];
  const rows = runs
    .filter((r) => r.target !== 'switchboard')
    .map((peer) => {
      const b = manyStepAt(peer, reference);
      return [
        peer.label,
        ratio(a?.serverMicrosPerDelivery, b?.serverMicrosPerDelivery),
        ratio(a?.private.p99, b?.private.p99),
        ratio(a?.shared.p99, b?.shared.p99),
        ours?.error || peer.error ? '–' : ratio(ours?.maxSustained ?? 0, peer.maxSustained ?? 0),
      ];
    });
  return { header, rows };
}

export function manySteps(run: ManyChannelsRun): { header: string[]; rows: string[][] } {
  const header = ['msgs/s', 'sent (shared)', 'delivered/s', 'delivered %', 'private p50', 'private p99', 'shared p50', 'shared p99', 'max ms', 'µs/deliv', 'w/ bus', 'loadgen µs/deliv', 'CPU% srv', 'bus', 'loadgen', 'pub', 'irq', 'other', 'verdict'];
  const rows = run.steps.map((s) => [
    int(s.offeredPerSec),
    `${int(s.sent)} (${int(s.sentShared)})`,
    int(s.deliveredPerSec),
    fixed(s.deliveredRatio * 100, 1),
    fixed(s.private.p50, 2),
    fixed(s.private.p99, 2),
    fixed(s.shared.p50, 2),
    fixed(s.shared.p99, 2),
    fixed(s.all.max, 1),
    fixed(s.serverMicrosPerDelivery, 2),
    fixed(s.withBusMicrosPerDelivery, 2),
    fixed(s.loadgenMicrosPerDelivery, 2),
    fixed(rolePercent(s, 'server'), 0),
    fixed(rolePercent(s, 'bus'), 0),
    fixed(rolePercent(s, 'loadgen'), 0),
    fixed(rolePercent(s, 'publisher'), 0),
    fixed(s.irqPercent, 0),
    fixed(s.otherPercent, 0),
    (s.saturated ? `saturated: ${s.saturated}` : 'ok') +
      (s.otherPercent > DISTURBED_PERCENT ? ' (disturbed: other processes busy)' : s.retries > 0 ? ` (rerun ${s.retries}×: earlier try disturbed, this one clean)` : ''),
  ]);
  return { header, rows };
}
