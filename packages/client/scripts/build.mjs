// Builds the client into dist/: ES modules and type declarations, straight from tsc
// (tsconfig.build.json), no bundling: an application's bundler (or a browser, or Node)
// takes the files as they are. The repository's `npm run build` and the test setup run it.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLIENT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CLIENT_DIST = join(CLIENT_ROOT, 'dist');

export function buildClient() {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  rmSync(CLIENT_DIST, { recursive: true, force: true });
  execFileSync(process.execPath, [tsc, '-p', join(CLIENT_ROOT, 'tsconfig.build.json')], { cwd: CLIENT_ROOT, stdio: 'inherit' });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildClient();
  console.log('built @switchboard/client into packages/client/dist/');
}
