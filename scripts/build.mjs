// Builds the gateway into dist/ with swc, file for file, so `#libs/*` imports resolve
// through package.json "imports" at run time, and the client package (packages/client)
// into its own dist/, which the client's end-to-end tests load. Type checking is
// `npm run typecheck`.
import { transformFile } from '@swc/core';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildClient } from '../packages/client/scripts/build.mjs';
import { swcOptions } from '../swc.config.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'dist');
// Built beside dist/ and swapped in at the end: a test run building while another one's
// node processes start from dist/ must not pull the directory out from under them.
const buildDir = join(root, `dist.building-${process.pid}`);
const sourceDirs = ['apps', 'libs'];

async function* typeScriptSources(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* typeScriptSources(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts')) yield path;
  }
}

await rm(buildDir, { recursive: true, force: true });
let count = 0;
for (const dir of sourceDirs) {
  for await (const file of typeScriptSources(join(root, dir))) {
    const target = join(buildDir, relative(root, file)).replace(/\.ts$/, '.js');
    const { code, map } = await transformFile(file, { ...swcOptions, filename: file, sourceFileName: relative(dirname(target), file) });
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, `${code}\n//# sourceMappingURL=${target.split('/').pop()}.map\n`);
    if (map) await writeFile(`${target}.map`, map);
    count++;
  }
}
// Another build may swap its own in between ours: move whatever is there aside and retry.
for (let attempt = 0; ; attempt++) {
  const previous = `${outDir}.previous-${process.pid}-${attempt}`;
  await rename(outDir, previous).catch(() => undefined);
  try {
    await rename(buildDir, outDir);
    await rm(previous, { recursive: true, force: true });
    break;
  } catch (error) {
    await rm(previous, { recursive: true, force: true });
    if (attempt >= 5) throw error;
  }
}
console.log(`built ${count} files into dist/`);
buildClient();
console.log('built @switchboard/client into packages/client/dist/');
