import type { CpuUse } from '../lib/proc-stats.js';
import { DISTURBED_PERCENT, type FanoutRun, type FanoutStep } from '../workloads/fanout.js';
import { fixed, int, ratio } from './format.js';

/** The reference loads the goals are set at (issue 8): 50,000 deliveries/s for latency and
 *  CPU per delivery, 25,000 for cross-node latency. */
export const REFERENCE_RATE = 50_000;
export const CROSS_NODE_RATE = 25_000;

export function stepAt(run: FanoutRun | undefined, rate: number): FanoutStep | undefined {
  return run?.steps.find((s) => s.offeredPerSec === rate);
}

/** One-core % of the processes with a role in a step (200 % = both cores of 2). */
export function rolePercent(step: { processes: CpuUse[] } | undefined, role: string): number | undefined {
  if (!step) return undefined;
  return step.processes.filter((p) => p.role === role).reduce((s, p) => s + p.percent, 0);
}

/** p99 of the deliveries that crossed the bus (every node but the publisher's). */
export function crossNodeP99(step: FanoutStep | undefined): number | undefined {
  if (!step || step.perNode.length < 2) return undefined;
  return Math.max(...step.perNode.slice(1).map((l) => l.p99));
}

function maxSustained(run: FanoutRun): string {
  if (run.error) return 'failed';
  if (run.maxSustained === undefined) return `none (< ${int(run.steps[0]?.offeredPerSec)})`;
  const value = int(run.maxSustained);
  return run.ended?.startsWith('not saturated') ? `≥ ${value}` : value;
}

export function fanoutSummary(runs: FanoutRun[]): { header: string[]; rows: string[][] } {
  const header = [
    'server',
    'nodes',
    'max sustained deliveries/s',
    `p50 / p99 / max ms @${REFERENCE_RATE / 1000}k`,
    `server µs/delivery @${REFERENCE_RATE / 1000}k`,
    'with bus',
    `cross-node p99 ms @${CROSS_NODE_RATE / 1000}k`,
    `CPU % server / bus / loadgen / publisher / irq / other @${REFERENCE_RATE / 1000}k`,
  ];
  const rows = runs.map((run) => {
    const ref = stepAt(run, REFERENCE_RATE);
    const cross = stepAt(run, CROSS_NODE_RATE);
    return [
      run.label,
      String(run.nodes),
      maxSustained(run),
      ref ? `${fixed(ref.latency.p50, 2)} / ${fixed(ref.latency.p99, 2)} / ${fixed(ref.latency.max, 1)}` : '–',
      fixed(ref?.serverMicrosPerDelivery, 2),
      fixed(ref?.withBusMicrosPerDelivery, 2),
      run.nodes > 1 ? fixed(crossNodeP99(cross), 2) : 'n/a (1 node)',
      ref
        ? ['server', 'bus', 'loadgen', 'publisher'].map((r) => fixed(rolePercent(ref, r), 0)).join(' / ') + ` / ${fixed(ref.irqPercent, 0)} / ${fixed(ref.otherPercent, 0)}`
        : '–',
    ];
  });
  return { header, rows };
}

/** Switchboard ÷ each peer: below 1 is better for CPU and latency, above 1 for throughput. */
export function fanoutRatios(runs: FanoutRun[]): { header: string[]; rows: string[][] } {
  const ours = runs.find((r) => r.target === 'switchboard');
  const header = ['Switchboard ÷', `µs/delivery @${REFERENCE_RATE / 1000}k`, `p99 @${REFERENCE_RATE / 1000}k`, 'max sustained', `cross-node p99 @${CROSS_NODE_RATE / 1000}k`];
  const rows = runs
    .filter((r) => r.target !== 'switchboard')
    .map((peer) => {
      const a = stepAt(ours, REFERENCE_RATE);
      const b = stepAt(peer, REFERENCE_RATE);
      return [
        peer.label,
        ratio(a?.serverMicrosPerDelivery, b?.serverMicrosPerDelivery),
        ratio(a?.latency.p99, b?.latency.p99),
        ours?.error || peer.error ? '–' : ratio(ours?.maxSustained ?? 0, peer.maxSustained ?? 0),
        peer.nodes > 1 ? ratio(crossNodeP99(stepAt(ours, CROSS_NODE_RATE)), crossNodeP99(stepAt(peer, CROSS_NODE_RATE))) : 'n/a',
      ];
    });
  return { header, rows };
}

export function fanoutSteps(run: FanoutRun): { header: string[]; rows: string[][] } {
  const header = ['offered/s', 'msgs/s', 'delivered/s', 'delivered %', 'p50 ms', 'p99 ms', 'max ms', 'node 2+ p99', 'µs/deliv', 'w/ bus', 'loadgen µs/deliv', 'CPU% srv', 'bus', 'loadgen', 'pub', 'irq', 'other', 'verdict'];
  const rows = run.steps.map((s) => [
    int(s.offeredPerSec),
    fixed(s.messagesPerSec, 1),
    int(s.deliveredPerSec),
    fixed(s.deliveredRatio * 100, 1),
    fixed(s.latency.p50, 2),
    fixed(s.latency.p99, 2),
    fixed(s.latency.max, 1),
    run.nodes > 1 ? fixed(crossNodeP99(s), 2) : '–',
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
