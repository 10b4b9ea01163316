// Prints the client's size as an application ships it: dist/ bundled into one ES module
// by rolldown (Vite's bundler, already in node_modules), minified, then gzipped.
// `--max-gzip <bytes>` makes it fail above a budget; test/client/bundle-size.test.ts
// holds it to the goal.
//
//   node packages/client/scripts/size.mjs          (after npm run build)
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { rolldown } from 'rolldown';
import { CLIENT_DIST } from './build.mjs';

export async function measureClient() {
  const input = join(CLIENT_DIST, 'index.js');
  if (!existsSync(input)) throw new Error(`${input} is missing: run npm run build first`);
  const bundle = await rolldown({ input, logLevel: 'silent' });
  try {
    const { output } = await bundle.generate({ format: 'esm', minify: true });
    const code = output[0].code;
    return { minified: Buffer.byteLength(code), gzipped: gzipSync(code, { level: 9 }).length };
  } finally {
    await bundle.close();
  }
}

const kib = (bytes) => `${(bytes / 1024).toFixed(2)} KiB`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { 'max-gzip': { type: 'string' } } });
  const { minified, gzipped } = await measureClient();
  console.log(`@switchboard/client: ${minified} B minified (${kib(minified)}), ${gzipped} B minified + gzipped (${kib(gzipped)})`);
  if (values['max-gzip'] && gzipped > Number(values['max-gzip'])) {
    console.error(`over the budget of ${values['max-gzip']} B gzipped`);
    process.exit(1);
  }
}
