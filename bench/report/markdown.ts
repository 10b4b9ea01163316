import { clientCpuIntro, clientCpuTable } from './client-tables.js';
import { fanoutRatios, fanoutSteps, fanoutSummary } from './fanout-tables.js';
import { fixed, int, kib, table, textTable } from './format.js';
import { formatsFanoutTable, formatsPublishTable, formatsSteps, msgpackInteropTable, msgpackLibsTable } from './formats-tables.js';
import { historyCostTable, historyRecoveryTable, historySteps, recoveryTries } from './history-tables.js';
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

/** Said under the history tables: there is nothing to compare the peers with. */
const HISTORY_NOTE = 'Switchboard only: the peers have no history or recovery (socket.io\'s connection-state recovery is per server, not per channel across nodes; the `ws` bridge and the raw `ws` ceiling have none), so there is no ratio to a peer; the ratio is Switchboard with history on ÷ off.';

function historySection(report: BenchReport, out: string[]): void {
  if (!report.history || report.history.length === 0) return;
  const o = report.history[0]!.options;
  out.push('', `## History: publish cost with and without, and recovery of ${int(o.recovery?.missed)} missed messages`, '');
  out.push(
    `${int(o.channels)} clients over ${o.nodes} nodes, each alone on its channel \`c<i>\`; one publisher connection on node 1 sends 64-byte messages to random channels at ${int(o.ratePerSec)} msgs/s` +
      `. Two clusters run side by side on one bus server, each under its own Redis key prefix or Kafka topic: one without history, one with HISTORY_CHANNELS=c* ` +
      `(HISTORY_SIZE=${o.historySize}, RECOVERY_MAX_MESSAGES=${o.recoveryMax}); after a ${o.warmupMs / 1000} s warm-up each, ${o.steps} steps of ${o.stepMs / 1000} s each, alternating off, on, on, off, … ` +
      '(so load elsewhere on the machine weighs on both alike); the idle cluster\'s processes count for neither. µs/msg = CPU time ÷ published messages (each has one subscriber), ' +
      '"publishing node" = node 1, which takes the publishes and delivers to its half of the subscribers. Bus counts come from the bench\'s own bus server: Redis `INFO commandstats` ' +
      '(a script\'s inner commands are counted under their own names, so its PUBLISH is in `publish` too; "bus requests per publish" counts it once), Kafka the records appended to its topics.',
    '',
    HISTORY_NOTE,
    '',
  );
  const cost = historyCostTable(report.history);
  out.push(table(cost.header, cost.rows), '');
  if (o.recovery) {
    const r = o.recovery;
    out.push(
      `Recovery: a subscriber on \`c-recovery\` keeps the position of the last message it saw and disconnects; ${int(r.missed)} messages are POSTed to /api/publish of the node it left ` +
        `(${r.publishConcurrency} in flight); it reconnects to the other node and subscribes with \`since\`. Timed from sending that subscribe to the ${int(r.missed)}th missed message. ` +
        `A try is exact when the reply says recovered and exactly those messages arrive, once each, in the order of the offsets /api/publish answered, and nothing more within ${r.settleMs} ms. ` +
        `${r.tries} tries, nearest-rank percentiles over the exact ones (with ${r.tries} tries p99 is the max); the subscriber runs in the bench's orchestrator process.`,
      '',
    );
    const rec = historyRecoveryTable(report.history);
    out.push(table(rec.header, rec.rows));
  }
  for (const { options, run } of report.history) {
    out.push('', `### ${options.bus === 'redis' ? 'Redis' : 'Kafka'}: ${Math.round(run.seconds)} s`, '');
    if (run.error) out.push(`Failed: \`${run.error.replaceAll('\n', ' ').slice(0, 600)}\``, '');
    if (run.notAvailable) out.push(`History not available: \`${run.notAvailable.replaceAll('\n', ' ').slice(0, 600)}\``, '');
    const steps = historySteps(run);
    if (steps.rows.length > 0) out.push(table(steps.header, steps.rows));
    const tries = recoveryTries(run);
    if (tries) out.push('', tries);
  }
}

/** Said under the formats tables: there is nothing to compare the peers with. */
const FORMATS_NOTE = 'Switchboard only: the peers speak JSON (Socket.IO its own packets); the ratios are to Switchboard\'s own JSON rows.';

function formatsSection(report: BenchReport, out: string[]): void {
  if (!report.formats) return;
  const { options: o, run } = report.formats;
  const f = o.fanout;
  const p = o.publish;
  out.push('', `## Wire formats: JSON vs MessagePack on ${o.bus === 'redis' ? 'Redis' : o.bus}, ${o.nodes} nodes (${Math.round(run.seconds)} s)`, '');
  out.push(
    `One cluster holds every variant's subscribers at once; the variants take turns, ${o.warmupRounds} unrecorded rounds of ${o.warmupMs / 1000} s, then ${o.rounds} rounds of ${o.stepMs / 1000} s steps (+${o.graceMs / 1000} s for stragglers), every other round in reverse order, ` +
      'so that load elsewhere on the machine weighs on all alike; figures are totals over a variant\'s steps. ' +
      `*Fan-out*: ${int(f.subscribers)} subscribers per variant on a channel of their own, split evenly over the nodes (a mixed channel's halves too), one publisher connection on node 1 at ` +
      `${int(f.deliveriesPerSec)} deliveries/s (${int(f.deliveriesPerSec / f.subscribers)} msgs/s). Bytes on the wire per delivery = the delivery frame's payload (JSON text or MessagePack bytes) + its WebSocket header, ` +
      'as the load generator received them; "TCP bytes read" is what its sockets read in the step ÷ deliveries (everything else is idle then), a check on the former. ' +
      `*Publish path* (many-channels shape): ${int(p.channels)} JSON clients each alone on \`pj<i>\` and ${int(p.channels)} MessagePack clients on \`pm<i>\`; one JSON and one MessagePack publisher connection on node 1 ` +
      `send ${int(p.ratePerSec)} msgs/s to random channels of one set; CPU ÷ published messages (each has one subscriber, half of them on node 2, across the bus). ` +
      'Payload: ≈ 200 bytes of JSON of a realistic shape (nested object, strings, numbers, a boolean, an array: bench/loadgen/protocol.ts), and the same with a 1 KiB byte string, ' +
      'sent by a MessagePack publisher as `bin` (JSON subscribers get it as `{"$binary": "<base64>"}`).',
    '',
    FORMATS_NOTE,
    '',
  );
  if (run.error) out.push(`Failed: \`${run.error.replaceAll('\n', ' ').slice(0, 600)}\``, '');
  if (run.fanout.length > 0) {
    const t = formatsFanoutTable(run);
    out.push('### Fan-out: bytes and server CPU per delivery', '', table(t.header, t.rows), '');
  }
  if (run.publish.length > 0) {
    const t = formatsPublishTable(run);
    out.push('### Publish path: node CPU per published message', '', table(t.header, t.rows), '');
  }
  const steps = formatsSteps(run);
  if (steps.rows.length > 0) out.push('### Every step', '', table(steps.header, steps.rows));
}

function clientCpuSection(report: BenchReport, out: string[]): void {
  if (!report.clientCpu) return;
  const c = report.clientCpu;
  out.push('', `## Client CPU per received message (${Math.round(c.seconds)} s)`, '', clientCpuIntro(c.options), '');
  if (c.buildWarnings) out.push(`@switchboard/client was built with type errors (measured what tsc emitted): \`${c.buildWarnings}\``, '');
  if (c.error) out.push(`Failed: \`${c.error.replaceAll('\n', ' ').slice(0, 600)}\``);
  else {
    const t = clientCpuTable(c.results);
    out.push(table(t.header, t.rows));
  }
}

function msgpackLibsSection(report: BenchReport, out: string[]): void {
  if (report.msgpackLibs) out.push(msgpackLibsMarkdown(report.msgpackLibs));
}

/** The library micro-bench's section (also bench/msgpack-libs.ts's report). */
export function msgpackLibsMarkdown(m: NonNullable<BenchReport['msgpackLibs']>): string {
  const out: string[] = [];
  out.push('', `## MessagePack libraries: msgpackr vs @msgpack/msgpack on the server's frames (${Math.round(m.seconds)} s)`, '');
  if (m.error || !m.result) {
    out.push(`Failed: \`${(m.error ?? 'no result').replaceAll('\n', ' ').slice(0, 600)}\``);
    return out.join('\n');
  }
  const r = m.result;
  out.push(
    `msgpackr ${r.versions.msgpackr} with the server's options (\`useRecords: false, mapsAsObjects: true, variableMapSize: true\`) vs @msgpack/msgpack ${r.versions['@msgpack/msgpack']} ` +
      `(one Encoder and Decoder reused, and its encode()/decode() functions, which build an Encoder per call), Node ${r.node}, in a process of its own; ` +
      `best of ${r.options.rounds} windows of ${r.options.windowMs} ms per cell, the libraries taking turns. Ratios are msgpackr ÷ @msgpack/msgpack (reused), ops/s: above 1× msgpackr is faster. ` +
      'JSON is the reference: JSON.stringify / JSON.parse of the frame as JSON clients get it (bytes as base64). The broadcast path is what a node does once per broadcast for its MessagePack subscribers.',
    '',
  );
  const t = msgpackLibsTable(r);
  out.push(table(t.header, t.rows), '');
  const i = msgpackInteropTable(r);
  out.push('Each library decoding the other\'s bytes of the same frame:', '', table(i.header, i.rows));
  return out.join('\n');
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
  historySection(report, out);
  formatsSection(report, out);
  clientCpuSection(report, out);
  msgpackLibsSection(report, out);
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
  if (report.history && report.history.length > 0) {
    out.push('\nHistory (Switchboard only: the peers have no history): publish cost off / on');
    const cost = historyCostTable(report.history);
    out.push(textTable(cost.header, cost.rows.map((row) => row.map((cell) => cell.replaceAll('**', '')))));
    const rec = historyRecoveryTable(report.history);
    out.push('', textTable(rec.header, rec.rows));
  }
  if (report.formats) {
    const { run } = report.formats;
    out.push('\nWire formats (Switchboard only), fan-out: bytes and server CPU per delivery');
    if (run.error) out.push(`failed: ${run.error.slice(0, 300)}`);
    const plain = (t: { header: string[]; rows: string[][] }) => textTable(t.header, t.rows.map((row) => row.map((cell) => cell.replaceAll('**', ''))));
    if (run.fanout.length > 0) out.push(plain(formatsFanoutTable(run)));
    if (run.publish.length > 0) out.push('\nWire formats, publish path: node CPU per published message', plain(formatsPublishTable(run)));
  }
  if (report.clientCpu) {
    out.push('\nClient CPU per received message');
    if (report.clientCpu.error) out.push(`failed: ${report.clientCpu.error.slice(0, 300)}`);
    else {
      const t = clientCpuTable(report.clientCpu.results);
      out.push(textTable(t.header, t.rows));
    }
  }
  if (report.msgpackLibs?.result) {
    const t = msgpackLibsTable(report.msgpackLibs.result, true);
    out.push('\nMessagePack libraries (k ops/s; ratio msgpackr ÷ @msgpack/msgpack reused)');
    out.push(textTable(t.header, t.rows.map((row) => row.map((cell) => cell.replaceAll('**', '')))));
  } else if (report.msgpackLibs) out.push(`\nMessagePack libraries: failed: ${report.msgpackLibs.error?.slice(0, 300)}`);
  if (report.idle) {
    out.push(`\nIdle capacity, one node`);
    out.push(idleTables(report, textTable));
  }
  out.push('\nGoals');
  out.push(goalsSection(report, textTable, false));
  return out.join('\n');
}
