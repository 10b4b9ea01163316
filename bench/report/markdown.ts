import { fanoutRatios, fanoutSteps, fanoutSummary } from './fanout-tables.js';
import { fixed, int, kib, table, textTable } from './format.js';
import type { BenchReport } from './types.js';

type Render = (header: string[], rows: string[][]) => string;

function verdictText(met: boolean | undefined, measured: string): string {
  if (met === undefined) return measured.includes('disturbed') ? 'withheld (disturbed run)' : 'not measured';
  return met ? '**met**' : '**not met**';
}

function goalsSection(report: BenchReport, render: Render, bold = true): string {
  return render(
    ['goal', 'target', 'measured', 'verdict'],
    report.goals.map((g) => [g.goal, g.target, g.measured, bold ? verdictText(g.met, g.measured) : verdictText(g.met, g.measured).replaceAll('**', '')]),
  );
}

function idleTables(report: BenchReport, render: Render): string {
  if (!report.idle) return '';
  const runs = report.idle.runs;
  const levels = [...new Set(runs.flatMap((r) => r.levels.map((l) => l.connections)))];
  const header = ['server', ...levels.map((l) => `KiB RSS/conn @${int(l)}`), 'KiB heap/conn (top)', 'idle CPU % (top)', 'baseline RSS MiB'];
  const rows = runs.map((r) => {
    const top = r.levels.at(-1);
    return [
      r.label + (r.error ? ` (failed: ${r.error.slice(0, 80)})` : ''),
      ...levels.map((l) => kib(r.levels.find((x) => x.connections === l)?.rssPerConnection)),
      kib(top?.heapPerConnection),
      fixed(top?.idleCpuPercent, 1),
      fixed(r.baseline.rss / 2 ** 20, 1),
    ];
  });
  return render(header, rows);
}

/** The full markdown report written to bench/results/<name>.md. */
export function markdownReport(report: BenchReport): string {
  const m = report.meta;
  const out: string[] = [];
  out.push(`# Switchboard bench: ${m.mode} run, ${m.startedAt}`);
  out.push('');
  out.push(
    `Machine: ${m.machine.cpuModel}, ${m.machine.cores} cores, ${m.machine.memoryGiB} GiB, Node ${m.machine.node}, Linux ${m.machine.kernel}, ` +
      `open files ${m.machine.openFilesLimit}; commit ${m.machine.gitCommit}${m.machine.gitDirty ? ' + uncommitted changes in apps/ libs/' : ''}; ` +
      `run took ${Math.round(m.seconds)} s.`,
  );
  out.push('');
  out.push(
    `Servers, buses and ${m.loadgenWorkers} load-generator processes (raw \`ws\` clients) plus one publisher share this machine; ` +
      'every process\'s CPU is in the tables (one-core %, 200 % = 2 cores; "other" = processes the bench did not start). ' +
      `A step is saturated when p99 > ${m.saturation.p99Ms} ms or fewer than ${m.saturation.deliveredRatio * 100} % of the deliveries arrive. ` +
      `Switchboard runs with its limits on, set high: ${Object.entries(m.switchboardEnv).map(([k, v]) => `${k}=${v}`).join(', ')}.`,
  );
  out.push('');
  out.push('## Goals (issue 8)');
  out.push('');
  out.push(goalsSection(report, table));
  for (const scenario of report.fanout) {
    const o = scenario.options;
    out.push('');
    out.push(`## Fan-out on ${o.bus === 'redis' ? 'Redis' : o.bus === 'kafka' ? 'Kafka' : o.bus}: ${int(o.subscribers)} subscribers over ${o.nodes} nodes, one channel`);
    out.push('');
    out.push(`64-byte payloads from one publisher on node 1; steps of ${o.stepMs / 1000} s (+${o.graceMs / 1000} s for stragglers); rates in deliveries/s.`);
    out.push('');
    const summary = fanoutSummary(scenario.runs);
    out.push(table(summary.header, summary.rows));
    if (scenario.runs.length > 1) {
      out.push('');
      const ratios = fanoutRatios(scenario.runs);
      out.push(table(ratios.header, ratios.rows));
    }
    for (const run of scenario.runs) {
      out.push('');
      out.push(`### ${run.label}${run.nodes === 1 && o.nodes > 1 ? ' (one process, no bus)' : ''}`);
      out.push('');
      if (run.error) out.push(`Failed: \`${run.error.replaceAll('\n', ' ').slice(0, 600)}\``);
      else {
        out.push(`Sweep: ${run.ended}.`);
        out.push('');
        const steps = fanoutSteps(run);
        out.push(table(steps.header, steps.rows));
      }
    }
  }
  if (report.idle) {
    out.push('');
    out.push(`## Idle capacity: one node, ${report.idle.options.levels.map(int).join(' → ')} idle connections`);
    out.push('');
    out.push('RSS and V8 heap (as the process reports it, no forced GC) above the empty node, per connection; server CPU while idle.');
    out.push('');
    out.push(idleTables(report, table));
  }
  out.push('');
  return out.join('\n');
}

/** What `npm run bench:quick` prints at the end: the side-by-side tables. */
export function consoleSummary(report: BenchReport): string {
  const out: string[] = [];
  for (const scenario of report.fanout) {
    const o = scenario.options;
    out.push(`\nFan-out on ${o.bus}, ${int(o.subscribers)} subscribers over ${o.nodes} nodes`);
    const summary = fanoutSummary(scenario.runs);
    out.push(textTable(summary.header, summary.rows));
    if (scenario.runs.length > 1) {
      out.push('');
      const ratios = fanoutRatios(scenario.runs);
      out.push(textTable(ratios.header, ratios.rows));
    }
  }
  if (report.idle) {
    out.push(`\nIdle capacity, one node`);
    out.push(idleTables(report, textTable));
  }
  out.push('\nGoals');
  out.push(goalsSection(report, textTable, false));
  return out.join('\n');
}
