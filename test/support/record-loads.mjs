// Preloaded with --import into a node process: records every module URL the process
// resolves into the file named by RECORD_LOADS_TO, so a test can tell which packages loaded.
import { appendFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const target = process.env.RECORD_LOADS_TO;
if (target) {
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      appendFileSync(target, `${resolved.url}\n`);
      return resolved;
    },
  });
}
