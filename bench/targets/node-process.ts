import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/infra/free-port.js';
import { describeExit, makeTempDir, type ManagedProcess, sleep, spawnManaged, tailFile, terminate } from '../../test/infra/managed-process.js';
import { onCleanup } from '../lib/cleanup.js';
import { rssBytes } from '../lib/proc-stats.js';

/**
 * One server process of a cluster under test (a Switchboard node or a peer), started with
 * Node 22 on a free loopback port, its output in a temp log, stopped with SIGTERM.
 */
export interface NodeProcess {
  port: number;
  pid: number;
  name: string;
  logs(): string;
  rss(): number;
  stop(): Promise<void>;
}

const REGISTER = fileURLToPath(new URL('../register.mjs', import.meta.url));

/** Only what a node needs from our environment: a developer's PORT or REDIS_URL must not leak in. */
function baseEnv(): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ'];
  return Object.fromEntries(keep.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]));
}

export async function startNodeProcess(options: {
  name: string;
  script: string;
  /** Run through bench/register.mjs (the peers are TypeScript). */
  typescript: boolean;
  env: (port: number) => Record<string, string>;
  /** Answers true once the node is ready. */
  ready: (port: number) => Promise<boolean>;
  readyTimeoutMs?: number;
}): Promise<NodeProcess> {
  const port = await freePort();
  const dir = makeTempDir(`switchboard-bench-${options.name.replace(/[^a-z0-9-]/gi, '_')}-`);
  const logFile = join(dir, 'node.log');
  const args = [...(options.typescript ? ['--import', REGISTER] : []), options.script];
  const proc: ManagedProcess = spawnManaged(process.execPath, args, { env: { ...baseEnv(), ...options.env(port) }, logFile, cleanupDir: dir });
  const unregister = onCleanup(options.name, () => terminate(proc, 'SIGTERM', 10_000).then(() => undefined));
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (!proc.isRunning()) throw new Error(`${options.name} ${describeExit(proc.exitInfo())}:\n${tailFile(logFile)}`);
    if (await options.ready(port).catch(() => false)) break;
    if (Date.now() > deadline) {
      await terminate(proc, 'SIGKILL');
      throw new Error(`${options.name} not ready within ${options.readyTimeoutMs ?? 60_000} ms:\n${tailFile(logFile)}`);
    }
    await sleep(100);
  }
  return {
    port,
    pid: proc.pid,
    name: options.name,
    logs: () => tailFile(logFile),
    rss: () => rssBytes(proc.pid) ?? Number.NaN,
    async stop() {
      unregister();
      await terminate(proc, 'SIGTERM', 10_000);
    },
  };
}

export async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await res.arrayBuffer();
  return res.ok;
}
