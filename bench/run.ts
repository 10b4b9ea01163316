// `npm run bench` / `npm run bench:quick`: Switchboard and its peers side by side, one
// workload after another, each server with its own fresh bus, nodes and load generator.
// Writes bench/results/<mode>-<time>.{json,md} and latest.{json,md} (and, with
// --baseline, baseline.{json,md}, the committed reference) and prints the side-by-side table.
//
//   npm run bench:quick
//   npm run bench -- --targets switchboard,socketio --workloads fanout,many --bus redis
//   npm run bench -- --workloads history --bus redis
//   npm run bench -- --workloads formats,client,msgpack-libs
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildApp } from './lib/build-app.js';
import { buildClientForBench, CLIENT_ENTRY } from './lib/build-client.js';
import { setBudget } from './lib/budget.js';
import { cleanupAll, installSignalHandlers } from './lib/cleanup.js';
import { machineInfo } from './lib/machine.js';
import { FULL, type Plan, QUICK } from './plans.js';
import { evaluateGoals } from './report/goals.js';
import { consoleSummary, markdownReport } from './report/markdown.js';
import type { BenchReport } from './report/types.js';
import { targetsNamed } from './targets/index.js';
import { BENCH_LIMITS } from './targets/switchboard.js';
import { runClientCpu } from './workloads/client-cpu.js';
import { runFanout, SATURATION } from './workloads/fanout.js';
import { runFormats } from './workloads/formats.js';
import { runHistory } from './workloads/history.js';
import { runIdle } from './workloads/idle.js';
import { runManyChannels } from './workloads/many-channels.js';
import { runMsgpackLibs } from './workloads/msgpack-libs.js';
import { runStorm } from './workloads/storm.js';

const WORKLOADS = ['fanout', 'many', 'storm', 'history', 'idle', 'formats', 'client', 'msgpack-libs'] as const;
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    targets: { type: 'string' },
    workloads: { type: 'string' },
    baseline: { type: 'boolean', default: false },
    bus: { type: 'string' },
  },
});

const plan: Plan = args.quick ? QUICK : FULL;
const targets = targetsNamed(args.targets?.split(',').filter(Boolean));
const workloads = new Set(args.workloads?.split(',').filter(Boolean) ?? WORKLOADS);
for (const w of workloads) if (!(WORKLOADS as readonly string[]).includes(w)) throw new Error(`unknown workload ${w}; known: ${WORKLOADS.join(', ')}`);

const log = (line: string): void => console.log(line);
const began = performance.now();
const startedAt = new Date().toISOString();
const report: BenchReport = {
  meta: {
    mode: plan.mode,
    startedAt,
    seconds: 0,
    machine: machineInfo(),
    switchboardEnv: BENCH_LIMITS,
    saturation: SATURATION,
    loadgenWorkers: plan.workers,
  },
  fanout: [],
  goals: [],
};

function save(final: boolean): string {
  report.meta.seconds = (performance.now() - began) / 1000;
  report.goals = evaluateGoals(report);
  mkdirSync(RESULTS, { recursive: true });
  const name = `${plan.mode}-${startedAt.replace(/[:.]/g, '-')}`;
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const md = markdownReport(report);
  const names = [name, 'latest', ...(final && args.baseline ? ['baseline'] : [])];
  for (const n of names) {
    writeFileSync(join(RESULTS, `${n}.json`), json);
    writeFileSync(join(RESULTS, `${n}.md`), md);
  }
  return join(RESULTS, `${name}.md`);
}

installSignalHandlers();
setBudget(plan.retryBudgetMs);
try {
  const built = await buildApp();
  log(`bench (${plan.mode}): built the working tree's gateway into bench/.build (${built.files} files, ${built.ms} ms)`);
  log(`machine: ${report.meta.machine.cpuModel}, ${report.meta.machine.cores} cores, ${report.meta.machine.memoryGiB} GiB, Node ${report.meta.machine.node}, open files ${report.meta.machine.openFilesLimit}`);

  if (workloads.has('fanout')) {
    for (const options of plan.fanout.filter((o) => !args.bus || o.bus === args.bus)) {
      const runs = [];
      log(`\nfan-out on ${options.bus}: ${options.subscribers} subscribers over ${options.nodes} nodes`);
      for (const target of targets.filter((t) => options.bus === 'redis' || t.buses.includes(options.bus))) {
        runs.push(await runFanout(target, options, log));
      }
      report.fanout.push({ options, runs });
      save(false);
    }
  }
  if (workloads.has('many') && plan.manyChannels) {
    const options = plan.manyChannels;
    log(`\nmany channels on ${options.bus}: ${options.clients} clients over ${options.nodes} nodes, each on its own channel + shared`);
    report.manyChannels = { options, runs: [] };
    for (const target of targets) {
      report.manyChannels.runs.push(await runManyChannels(target, options, log));
      save(false);
    }
  }
  if (workloads.has('storm') && plan.storm) {
    const options = plan.storm;
    log(`\nconnect storm: ${options.rates.join(' → ')} connection attempts/s on one node`);
    report.storm = { options, runs: [] };
    for (const target of targets) {
      report.storm.runs.push(await runStorm(target, options, log));
      save(false);
    }
  }
  if (workloads.has('history') && plan.history.length === 0 && args.workloads) log(`\nhistory: not in the ${plan.mode} plan (see plans.ts); run it without --quick`);
  if (workloads.has('history') && plan.history.length > 0) {
    const switchboard = targets.find((t) => t.id === 'switchboard');
    const scenarios = plan.history.filter((o) => !args.bus || o.bus === args.bus);
    if (!switchboard) log('\nhistory: Switchboard only (the peers have no history), and --targets leaves it out: skipped');
    else {
      for (const options of scenarios) {
        log(`\nhistory on ${options.bus} (Switchboard only): ${options.ratePerSec} msgs/s to ${options.channels} channels over ${options.nodes} nodes, history off and on side by side; ${options.recovery?.tries ?? 0} recoveries of ${options.recovery?.missed ?? 0} missed messages`);
        report.history ??= [];
        report.history.push({ options, run: await runHistory(switchboard, options, log) });
        save(false);
      }
    }
  }
  if (workloads.has('idle') && plan.idle) {
    log(`\nidle capacity: ${plan.idle.levels.join(' → ')} connections on one node`);
    const runs = [];
    for (const target of targets) runs.push(await runIdle(target, plan.idle, log));
    report.idle = { options: plan.idle, runs };
    save(false);
  }
  const notInPlan = (name: string): void => {
    if (workloads.has(name) && args.workloads) log(`\n${name}: not in the ${plan.mode} plan (see plans.ts); run it without --quick`);
  };
  if (workloads.has('formats') && plan.formats) {
    const options = plan.formats;
    const switchboard = targets.find((t) => t.id === 'switchboard');
    if (args.bus && args.bus !== options.bus) log(`\nformats: runs on ${options.bus} only; --bus ${args.bus} leaves it out`);
    else if (!switchboard) log('\nformats: Switchboard only (the peers speak JSON), and --targets leaves it out: skipped');
    else {
      const f = options.fanout;
      log(
        `\nwire formats on ${options.bus} (Switchboard only): JSON vs MessagePack, ${f.variants.length} fan-out variants of ${f.subscribers} subscribers at ${f.deliveriesPerSec} deliveries/s, ` +
          `${options.publish.variants.length} publish-path variants at ${options.publish.ratePerSec} msgs/s to ${options.publish.channels} channels, over ${options.nodes} nodes`,
      );
      report.formats = { options, run: await runFormats(switchboard, options, log) };
      log(`  formats took ${Math.round(report.formats.run.seconds)} s`);
      save(false);
    }
  } else notInPlan('formats');
  if (workloads.has('client') && plan.clientCpu && !targets.some((t) => t.id === 'switchboard')) log('\nclient CPU: measures @switchboard/client against a Switchboard node, and --targets leaves Switchboard out: skipped');
  else if (workloads.has('client') && plan.clientCpu) {
    const options = plan.clientCpu;
    const began = performance.now();
    log(`\nclient CPU per received message: ${options.clients} subscribers × ${options.ratePerSec} msgs/s into one process per kind, best of ${options.rounds} rounds`);
    let buildWarnings: string | undefined;
    try {
      buildWarnings = buildClientForBench().warnings;
      if (buildWarnings) log(`  @switchboard/client built with type errors (measuring what tsc emitted): ${buildWarnings}`);
      const results = await runClientCpu(options, CLIENT_ENTRY, log);
      report.clientCpu = { options, results, seconds: (performance.now() - began) / 1000, ...(buildWarnings ? { buildWarnings } : {}) };
    } catch (error) {
      log(`  client CPU: FAILED: ${(error as Error).message}`);
      report.clientCpu = { options, results: [], seconds: (performance.now() - began) / 1000, error: (error as Error).message, ...(buildWarnings ? { buildWarnings } : {}) };
    }
    log(`  client CPU took ${Math.round(report.clientCpu.seconds)} s`);
    save(false);
  } else notInPlan('client');
  if (workloads.has('msgpack-libs') && plan.msgpackLibs) {
    const options = plan.msgpackLibs;
    const began = performance.now();
    log('\nMessagePack libraries: msgpackr (server options) vs @msgpack/msgpack on the server\'s frames, in a process of its own');
    try {
      report.msgpackLibs = { options, result: await runMsgpackLibs(options, log), seconds: (performance.now() - began) / 1000 };
    } catch (error) {
      log(`  MessagePack libraries: FAILED: ${(error as Error).message}`);
      report.msgpackLibs = { options, seconds: (performance.now() - began) / 1000, error: (error as Error).message };
    }
    log(`  MessagePack libraries took ${Math.round(report.msgpackLibs.seconds)} s`);
  } else notInPlan('msgpack-libs');
  const path = save(true);
  log(consoleSummary(report));
  log(`\nreport: ${path} (also bench/results/latest.md${args.baseline ? ', baseline.md' : ''}); ${Math.round(report.meta.seconds)} s`);
} finally {
  await cleanupAll();
}
