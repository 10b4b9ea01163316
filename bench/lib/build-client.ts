import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILD_DIR } from './build-app.js';

/**
 * Builds @switchboard/client from the working tree into bench/.build/client/ with tsc and
 * packages/client/tsconfig.build.json (what `npm run build` emits into dist/), so the
 * bench measures the sources as they are and never deletes or rewrites
 * packages/client/dist/, which tests running at the same time may be reading.
 * Call after buildApp(), which empties bench/.build/.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLIENT_BUILD_DIR = join(BUILD_DIR, 'client');
export const CLIENT_ENTRY = join(CLIENT_BUILD_DIR, 'index.js');

export function buildClientForBench(): { ms: number; warnings: string | undefined } {
  const began = performance.now();
  rmSync(CLIENT_BUILD_DIR, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'packages', 'client', 'tsconfig.build.json'), '--outDir', CLIENT_BUILD_DIR, '--declaration', 'false'], { cwd: ROOT, encoding: 'utf8' });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  // tsc emits despite type errors: measure what it emitted, and say so.
  if (!existsSync(CLIENT_ENTRY)) throw new Error(`building @switchboard/client failed (tsc exit ${result.status}): ${output.slice(0, 800)}`);
  return { ms: Math.round(performance.now() - began), warnings: result.status === 0 ? undefined : `tsc exit ${result.status}: ${output.split('\n').slice(0, 5).join(' ').slice(0, 400)}` };
}
