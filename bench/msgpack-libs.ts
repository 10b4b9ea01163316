// msgpackr vs @msgpack/msgpack on the frames Switchboard puts on the wire
// (workloads/msgpack-libs.ts): bytes, encode and decode ops/s, and whether each reads the
// other's bytes. Standalone (≈ 20 s); the full sweep (`npm run bench`) runs it too and
// puts it in its report. Writes bench/results/msgpack-libs-<time>.{json,md} and
// msgpack-libs-latest.{json,md}.
//
//   ./node_modules/.bin/node --import ./bench/register.mjs bench/msgpack-libs.ts
//   ./node_modules/.bin/node --import ./bench/register.mjs bench/msgpack-libs.ts --rounds 9 --window 150
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cleanupAll, installSignalHandlers } from './lib/cleanup.js';
import { machineInfo } from './lib/machine.js';
import { textTable } from './report/format.js';
import { msgpackLibsTable } from './report/formats-tables.js';
import { msgpackLibsMarkdown } from './report/markdown.js';
import { MSGPACK_LIBS_DEFAULTS, type MsgpackLibsOptions, runMsgpackLibs } from './workloads/msgpack-libs.js';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const { values: args } = parseArgs({ options: { rounds: { type: 'string' }, window: { type: 'string' } } });
const options: MsgpackLibsOptions = {
  rounds: Number(args.rounds ?? MSGPACK_LIBS_DEFAULTS.rounds),
  windowMs: Number(args.window ?? MSGPACK_LIBS_DEFAULTS.windowMs),
};

installSignalHandlers();
try {
  const machine = machineInfo();
  console.log(`MessagePack libraries on the server's frames (${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}): best of ${options.rounds} windows of ${options.windowMs} ms`);
  const began = performance.now();
  const result = await runMsgpackLibs(options, (line) => console.log(line));
  const seconds = (performance.now() - began) / 1000;
  const t = msgpackLibsTable(result, true);
  console.log(`\n${textTable(t.header, t.rows.map((row) => row.map((cell) => cell.replaceAll('**', ''))))}`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  mkdirSync(RESULTS, { recursive: true });
  const md = `# MessagePack libraries\n\n${machine.cpuModel}, ${machine.cores} cores, ${new Date().toISOString()}\n${msgpackLibsMarkdown({ options, result, seconds })}\n`;
  for (const name of [`msgpack-libs-${stamp}`, 'msgpack-libs-latest']) {
    writeFileSync(join(RESULTS, `${name}.json`), `${JSON.stringify({ options, machine, result }, null, 2)}\n`);
    writeFileSync(join(RESULTS, `${name}.md`), md);
  }
} finally {
  await cleanupAll();
}
