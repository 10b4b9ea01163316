// `npm run bench:client`: the CPU @switchboard/client spends per received message, next
// to bare clients that only parse frames (workloads/client-cpu.ts). The full sweep
// (`npm run bench`) runs the same workload and puts it in its report; this runs it alone
// and writes bench/results/client-cpu-<time>.{json,md} and client-cpu-latest.{json,md}.
//
//   npm run bench:client
//   npm run bench:client -- --clients 200 --rate 200 --rounds 3
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildApp } from './lib/build-app.js';
import { buildClientForBench, CLIENT_ENTRY } from './lib/build-client.js';
import { cleanupAll, installSignalHandlers } from './lib/cleanup.js';
import { machineInfo } from './lib/machine.js';
import { table } from './report/format.js';
import { clientCpuTable } from './report/client-tables.js';
import { CLIENT_CPU_DEFAULTS, type ClientCpuOptions, runClientCpu } from './workloads/client-cpu.js';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const { values: args } = parseArgs({ options: { clients: { type: 'string' }, rate: { type: 'string' }, rounds: { type: 'string' } } });
const options: ClientCpuOptions = {
  ...CLIENT_CPU_DEFAULTS,
  clients: Number(args.clients ?? CLIENT_CPU_DEFAULTS.clients),
  ratePerSec: Number(args.rate ?? CLIENT_CPU_DEFAULTS.ratePerSec),
  rounds: Number(args.rounds ?? CLIENT_CPU_DEFAULTS.rounds),
};

installSignalHandlers();
try {
  await buildApp();
  const client = buildClientForBench();
  if (client.warnings) console.log(`@switchboard/client built with type errors (measuring what tsc emitted): ${client.warnings}`);
  const machine = machineInfo();
  console.log(`client CPU per received message: ${options.clients} subscribers × ${options.ratePerSec} msgs/s = ${options.clients * options.ratePerSec} deliveries/s into one process per kind, best of ${options.rounds} rounds (${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node})`);
  const results = await runClientCpu(options, CLIENT_ENTRY, (line) => console.log(line));
  const t = clientCpuTable(results);
  const md = table(t.header, t.rows);
  console.log(`\n${md}`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  mkdirSync(RESULTS, { recursive: true });
  const report = `# Client CPU per received message\n\n${options.clients} subscribers × ${options.ratePerSec} msgs/s, best of ${options.rounds} rounds, ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, ${new Date().toISOString()}\n\n${md}\n`;
  for (const name of [`client-cpu-${stamp}`, 'client-cpu-latest']) {
    writeFileSync(join(RESULTS, `${name}.json`), `${JSON.stringify({ options, machine, results }, null, 2)}\n`);
    writeFileSync(join(RESULTS, `${name}.md`), report);
  }
} finally {
  await cleanupAll();
}
