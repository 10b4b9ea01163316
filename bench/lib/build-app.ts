import { transformFile } from '@swc/core';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { swcOptions } from '../../swc.config.mjs';

/**
 * Builds the gateway from the working tree into bench/.build/ with the same swc options as
 * `npm run build`, so the bench measures the sources as they are now and never reads or
 * deletes dist/, which `npm run build` may be rewriting at the same time. A package.json
 * there maps `#libs/*` to the built files; bare imports resolve to the repo's node_modules.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BUILD_DIR = join(ROOT, 'bench', '.build');
export const GATEWAY_MAIN = join(BUILD_DIR, 'apps', 'gateway', 'src', 'main.js');

async function* sources(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sources(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') && !entry.name.endsWith('.d.ts')) yield path;
  }
}

export async function buildApp(): Promise<{ files: number; ms: number }> {
  const began = performance.now();
  await rm(BUILD_DIR, { recursive: true, force: true });
  let files = 0;
  for (const dir of ['apps', 'libs']) {
    for await (const file of sources(join(ROOT, dir))) {
      const target = join(BUILD_DIR, relative(ROOT, file)).replace(/\.ts$/, '.js');
      const { code } = await transformFile(file, { ...swcOptions, filename: file, sourceMaps: false });
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, code);
      files++;
    }
  }
  await writeFile(
    join(BUILD_DIR, 'package.json'),
    `${JSON.stringify({ private: true, type: 'module', imports: { '#libs/*': './libs/*/src/index.js' } }, null, 2)}\n`,
  );
  return { files, ms: Math.round(performance.now() - began) };
}
