import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as ClientModule from '../../../packages/client/src/index.js';

/**
 * The client as an application gets it: packages/client/dist, built by the test setup
 * (scripts/build.mjs). Types come from the sources, which exist before any build, so the
 * type check does not depend on dist/.
 */
export type Client = typeof ClientModule;
export type { Message, Switchboard, Subscription, SwitchboardOptions } from '../../../packages/client/src/index.js';

export const CLIENT_DIST = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'packages', 'client', 'dist');

export async function loadBuiltClient(): Promise<Client> {
  const entry = join(CLIENT_DIST, 'index.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: npm run build (the test setup builds it)`);
  return (await import(pathToFileURL(entry).href)) as Client;
}
