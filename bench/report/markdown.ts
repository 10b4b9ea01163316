import { fanoutRatios, fanoutSteps, fanoutSummary } from './fanout-tables.js';
import { fixed, int, kib, table, textTable } from './format.js';
import { manyRatios, manySteps, manySummary } from './many-tables.js';
import { STORM_REFERENCE_RATE, stormRatios, stormSteps, stormSummary } from './storm-tables.js';
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

/** Said under the Kafka table: the peers' designs (socket.io's adapter, the bridge) are
 *  Redis pub/sub; a Kafka version of them would be a design of ours, not theirs. */
const KAFKA_NOTE = 'Switchboard only: the peers have no Kafka variant (socket.io\'s adapter and the `ws` bridge are built on Redis pub/sub), so there is no ratio here; compare with the Redis table.';

/** A summary table, the ratio table when there are peers, then each server's steps. */
function sections<R extends { label: string; error?: string }>(
  out: string[],
  runs: R[],
  summary: { header: string[]; rows: string[][] },
  ratios: () => { header: string[]; rows: string[][] },
  steps: (run: R) => { header: string[]; rows: string[][] },
  sweep: (run: R) => string,
): void {
  out.push(table(summary.header, summary.rows));
  if (runs.length > 1) {
    const r = ratios();
    out.push('', table(r.header, r.rows));
  }
  for (const run of runs) {
    out.push('', `### ${run.label}`, '');
    if (run.error) out.push(`Failed: \`${run.error.replaceAll('\n', ' ').slice(0, 600)}\``);
    else {
      const s = steps(run);
      out.push(`${sweep(run)}.`, '', table(s.header, s.rows));
    }
  }
}

function manySection(report: BenchReport, out: string[]): void {
  if (!report.manyChannels) return;
  const o = report.manyChannels.options;
  out.push('', `## Many channels on ${o.bus === 'redis' ? 'Redis' : o.bus}: ${int(o.clients)} clients over ${o.nodes} nodes, each on its own channel plus \`shared\``, '');
  out.push(
    `Publishers (one connection per node) send 64-byte messages to random private channels, every ${int(o.sharedEvery)}th to \`shared\` (${int(o.clients)} deliveries), ` +
      `so private and shared deliveries are about equal; latency is given apart for each. Steps of ${o.stepMs / 1000} s; rates in offered messages/s; ` +
      `the summary is at ${int(o.mustRun)} msgs/s, which every server runs.`,
    '',
  );
  sections(out, report.manyChannels.runs, manySummary(report.manyChannels.runs, o.mustRun), () => manyRatios(report.manyChannels!.runs, o.mustRun), manySteps, (r) => `Sweep: ${r.ended}`);
}

function stormSection(report: BenchReport, out: string[]): void {
  if (!report.storm) return;
  const o = report.storm.options;
  out.push('', `## Connect storm: one node, ${o.rates.map(int).join(' → ')} connection attempts/s`, '');
  out.push(
    `Each step starts rate × ${o.stepMs / 1000} s attempts at that rate without waiting on earlier ones, then closes them all. ` +
      'Accepted/s = 99 % of the connections opened ÷ the time from the first attempt until 99 % were open (a few SYNs retransmitted after 1 s when an accept queue overflows show in the handshake p99/max, not here); handshake = attempt → usable (for Socket.IO including the namespace join, what its clients wait for). ' +
      `"started/s" below offered means the load generator could not offer the rate. The sweep stops at failures or below half the offered rate; handshake is compared at ${int(STORM_REFERENCE_RATE)}/s.`,
    '',
  );
  sections(out, report.storm.runs, stormSummary(report.storm.runs), () => stormRatios(report.storm!.runs), stormSteps, (r) => `Sweep: ${r.ended}`);
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
    if (o.bus === 'kafka') out.push('', KAFKA_NOTE);
    if (scenario.runs.every((r) => !r.error && r.maxSustained === undefined)) {
      out.push(
        '',
        `No server kept p99 ≤ ${m.saturation.p99Ms} ms at any rate: one message to ${int(o.subscribers)} subscribers is a burst that takes longer than that ` +
          'to reach the last of them on 2 cores shared with the load generator, at any rate (p50 is about half the burst). Compare µs/delivery and latency at equal rates.',
      );
    }
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
      out.push(`### ${run.label}`);
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
  manySection(report, out);
  stormSection(report, out);
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
    } else if (o.bus === 'kafka') out.push(KAFKA_NOTE);
  }
  if (report.manyChannels) {
    const { options: o, runs } = report.manyChannels;
    out.push(`\nMany channels on ${o.bus}, ${int(o.clients)} clients over ${o.nodes} nodes`);
    const summary = manySummary(runs, o.mustRun);
    out.push(textTable(summary.header, summary.rows));
    if (runs.length > 1) {
      const ratios = manyRatios(runs, o.mustRun);
      out.push('', textTable(ratios.header, ratios.rows));
    }
  }
  if (report.storm) {
    out.push('\nConnect storm, one node');
    const summary = stormSummary(report.storm.runs);
    out.push(textTable(summary.header, summary.rows));
    if (report.storm.runs.length > 1) {
      const ratios = stormRatios(report.storm.runs);
      out.push('', textTable(ratios.header, ratios.rows));
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
