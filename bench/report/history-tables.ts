import { HISTORY_GOALS, type HistoryBenchOptions, type HistoryRun, type PublishCost, type PublishCostStep } from '../workloads/history.js';
import { DISTURBED_PERCENT } from '../workloads/fanout.js';
import { rolePercent } from './fanout-tables.js';
import { fixed, int } from './format.js';

/** The history tables: publish cost off/on and their ratio per bus, then recovery per bus. */
type Scenario = { options: HistoryBenchOptions; run: HistoryRun };

const busName = (bus: string): string => (bus === 'redis' ? 'Redis' : bus === 'kafka' ? 'Kafka' : bus);

/** The bus's own counts per message, largest first, e.g. "evalsha 1.00, xadd 1.00, …". */
function busCounts(cost: PublishCost): string {
  const entries = Object.entries(cost.roundTrips.perMessage).filter(([, v]) => v >= 0.005);
  return entries.length === 0 ? '–' : entries.map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
}

function disturbed(percent: number | undefined): string {
  return percent !== undefined && percent > DISTURBED_PERCENT ? ` (disturbed: other ${percent.toFixed(0)} %)` : '';
}

function disturbedSteps(cost: PublishCost): string {
  const hit = cost.steps.filter((s) => s.otherPercent > DISTURBED_PERCENT);
  return hit.length === 0 ? '' : ` (disturbed: ${hit.length} of ${cost.steps.length} steps, other ≤ ${Math.max(...hit.map((s) => s.otherPercent)).toFixed(0)} %)`;
}

function why(run: HistoryRun): string | undefined {
  if (run.error) return `failed: ${run.error.replaceAll('\n', ' ').slice(0, 160)}…`;
  if (run.notAvailable) return `not available: ${run.notAvailable.slice(0, 160)}… (below)`;
  return undefined;
}

export function historyCostTable(scenarios: Scenario[]): { header: string[]; rows: string[][] } {
  const header = ['bus', 'history', 'msgs (delivered %)', 'p50 / p99 ms', 'publishing node µs/msg', 'all nodes µs/msg', 'bus µs/msg', 'nodes + bus µs/msg', 'bus requests per publish', 'bus counts per message'];
  const rows: string[][] = [];
  for (const { options, run } of scenarios) {
    const bus = busName(options.bus);
    for (const cost of [run.without, run.with]) {
      if (!cost) continue;
      rows.push([
        bus,
        (cost.history ? `on (${cost.env.HISTORY_CHANNELS})` : 'off') + disturbedSteps(cost),
        `${int(cost.sent)} (${fixed(cost.deliveredRatio * 100, 1)})`,
        `${fixed(cost.latency.p50, 2)} / ${fixed(cost.latency.p99, 2)}`,
        fixed(cost.publishingNodeMicros, 1),
        fixed(cost.nodesMicros, 1),
        fixed(cost.busMicros, 1),
        fixed(cost.nodesMicros + cost.busMicros, 1),
        cost.roundTrips.perPublish === undefined ? '1 produce (batched per tick)' : fixed(cost.roundTrips.perPublish, 2),
        busCounts(cost),
      ]);
    }
    if (run.ratio) {
      const r = run.ratio;
      const goal = HISTORY_GOALS.publishCostRatio;
      const shaky = [run.without, run.with].some((c) => c && c.steps.some((x) => x.otherPercent > DISTURBED_PERCENT)) ? ' (steps disturbed: rerun before believing it)' : '';
      rows.push([bus, `**on ÷ off** (goal ≤ ${goal}×)`, '', '', `**${r.publishingNode.toFixed(2)}×**`, `**${r.nodes.toFixed(2)}×**`, '', `${r.nodesAndBus.toFixed(2)}×`, '', `publishing node ${r.publishingNode <= goal ? 'met' : 'not met'}, all nodes ${r.nodes <= goal ? 'met' : 'not met'}${shaky}`]);
    } else {
      const reason = why(run) ?? (run.without ? 'history on: not measured' : 'not measured');
      rows.push([bus, reason, '', '', '', '', '', '', '', '']);
    }
  }
  return { header, rows };
}

export function historyRecoveryTable(scenarios: Scenario[]): { header: string[]; rows: string[][] } {
  const header = ['bus', 'tries exact', 'subscribe → last missed message p50 / p99 / max ms', 'subscribe → reply p50 / max ms', 'goal p99', 'verdict', 'failed tries'];
  const rows = scenarios.map(({ options, run }) => {
    const r = run.recovery;
    const goal = HISTORY_GOALS.recoveryP99Ms[options.bus];
    if (!r) return [busName(options.bus), '–', why(run) ?? 'not measured', '–', `≤ ${goal} ms`, 'not measured', '–'];
    const t = r.total;
    const failures = r.tries.filter((x) => !x.ok).map((x) => `#${x.n}: ${x.problem}`);
    return [
      busName(options.bus),
      `${r.ok} / ${r.tries.length}${disturbed(r.otherPercent)}`,
      t ? `${fixed(t.p50, 1)} / ${fixed(t.p99, 1)} / ${fixed(t.max, 1)}` : '–',
      r.reply ? `${fixed(r.reply.p50, 1)} / ${fixed(r.reply.max, 1)}` : '–',
      `≤ ${goal} ms`,
      r.failed > 0 ? `not met (${r.failed} failed tries)` : t === undefined ? 'not measured' : t.p99 <= goal ? 'met' : 'not met',
      failures.length === 0 ? 'none' : failures.slice(0, 3).join('; ').slice(0, 400) + (failures.length > 3 ? ` (+${failures.length - 3} more)` : ''),
    ];
  });
  return { header, rows };
}

/** Every measured step of one run, with every process role's CPU. */
export function historySteps(run: HistoryRun): { header: string[]; rows: string[][] } {
  const header = ['history', 'step', 'sent', 'delivered %', 'p50', 'p99', 'max ms', 'node 1 µs/msg', 'nodes µs/msg', 'bus µs/msg', 'CPU% srv', 'bus', 'loadgen', 'pub', 'irq', 'other', 'publisher late', 'note'];
  const rows: string[][] = [];
  for (const cost of [run.without, run.with]) {
    if (!cost) continue;
    cost.steps.forEach((s: PublishCostStep, i) =>
      rows.push([
        cost.history ? 'on' : 'off',
        String(i + 1),
        int(s.sent),
        fixed(s.deliveredRatio * 100, 1),
        fixed(s.latency.p50, 2),
        fixed(s.latency.p99, 2),
        fixed(s.latency.max, 1),
        fixed(s.publishingNodeMicros, 1),
        fixed(s.nodesMicros, 1),
        fixed(s.busMicros, 1),
        fixed(rolePercent(s, 'server'), 0),
        fixed(rolePercent(s, 'bus'), 0),
        fixed(rolePercent(s, 'loadgen'), 0),
        fixed(rolePercent(s, 'publisher'), 0),
        fixed(s.irqPercent, 0),
        fixed(s.otherPercent, 0),
        int(s.publisherLate),
        s.otherPercent > DISTURBED_PERCENT ? 'disturbed: other processes busy' : s.retries > 0 ? `rerun ${s.retries}×: earlier try disturbed` : '',
      ]),
    );
  }
  return { header, rows };
}

/** One line per run: every try's time, in order (the first try meets a cold node). */
export function recoveryTries(run: HistoryRun): string | undefined {
  const r = run.recovery;
  if (!r) return undefined;
  const times = r.tries.map((t) => (t.ok ? fixed(t.totalMs, 1) : `✗${t.totalMs === undefined ? '' : ` ${fixed(t.totalMs, 1)}`}`)).join(', ');
  const publish = r.tries.reduce((s, t) => s + t.publishMs, 0) / Math.max(1, r.tries.length);
  return (
    `Tries in order, ms from subscribe to the ${int(r.options.missed)}th missed message (✗ = failed): ${times}. ` +
    `Publishing each try's ${int(r.options.missed)} messages over HTTP (${r.options.publishConcurrency} in flight) took ${fixed(publish, 0)} ms on average; ` +
    `the recovery phase took ${fixed(r.seconds, 1)} s.`
  );
}
