// `npm run bench:client`: the CPU @switchboard/client spends per received message, next
// to bare clients that only parse frames (workloads/client-cpu.ts). Standalone, not part
// of `npm run bench`'s sweep; writes bench/results/client-cpu-<time>.{json,md} and
// client-cpu-latest.{json,md}.
//
//   npm run bench:client
//   npm run bench:client -- --clients 200 --rate 200 --rounds 3
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildClient, CLIENT_DIST } from '../packages/client/scripts/build.mjs';
import { buildApp } from './lib/build-app.js';
import { cleanupAll, installSignalHandlers } from './lib/cleanup.js';
import { machineInfo } from './lib/machine.js';
import { type ClientCpuOptions, runClientCpu } from './workloads/client-cpu.js';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const { values: args } = parseArgs({ options: { clients: { type: 'string' }, rate: { type: 'string' }, rounds: { type: 'string' } } });
const options: ClientCpuOptions = {
  clients: Number(args.clients ?? 100),
  ratePerSec: Number(args.rate ?? 200),
  warmupMs: 2000,
  windowMs: 6000,
  kinds: ['ws', 'undici', 'client', 'client-ws'],
  rounds: Number(args.rounds ?? 2),
};

installSignalHandlers();
try {
  await buildApp();
  buildClient();
  const machine = machineInfo();
  console.log(`client CPU per received message: ${options.clients} subscribers × ${options.ratePerSec} msgs/s = ${options.clients * options.ratePerSec} deliveries/s into one process per kind, best of ${options.rounds} rounds (${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node})`);
  const results = await runClientCpu(options, join(CLIENT_DIST, 'index.js'), (line) => console.log(line));
  const floor = results.find((r) => r.kind === 'ws')?.microsPerMessage ?? Number.NaN;
  const table = [
    '| client | µs CPU per received message | × bare `ws` | received msgs/s | CPU % of a core | machine busy % |',
    '|---|---|---|---|---|---|',
    ...results.map((r) => `| ${r.label} | ${r.microsPerMessage.toFixed(2)} | ${(r.microsPerMessage / floor).toFixed(2)}× | ${r.messagesPerSec} | ${r.cpuPercent.toFixed(0)} | ${r.machineBusyPercent.toFixed(0)} |`),
  ].join('\n');
  console.log(`\n${table}`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  mkdirSync(RESULTS, { recursive: true });
  const md = `# Client CPU per received message\n\n${options.clients} subscribers × ${options.ratePerSec} msgs/s, best of ${options.rounds} rounds, ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, ${new Date().toISOString()}\n\n${table}\n`;
  for (const name of [`client-cpu-${stamp}`, 'client-cpu-latest']) {
    writeFileSync(join(RESULTS, `${name}.json`), `${JSON.stringify({ options, machine, results }, null, 2)}\n`);
    writeFileSync(join(RESULTS, `${name}.md`), md);
  }
} finally {
  await cleanupAll();
}
