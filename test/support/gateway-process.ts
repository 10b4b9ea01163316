import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../infra/free-port.js';
import { describeExit, type ExitInfo, makeTempDir, type ManagedProcess, sleep, spawnManaged, tailFile, terminate } from '../infra/managed-process.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MAIN = join(root, 'dist', 'apps', 'gateway', 'src', 'main.js');

export interface GatewayProcess {
  nodeId: string;
  port: number;
  http: string;
  ws: string;
  process: ManagedProcess;
  logFile: string;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<ExitInfo>;
  kill(): Promise<ExitInfo>;
  logs(): string;
}

/** Runs the built app as `npm start` would, on a free port, and waits until it is live. */
export async function startGatewayProcess(env: Record<string, string> = {}): Promise<GatewayProcess> {
  const port = Number(env.PORT ?? (await freePort()));
  const nodeId = env.NODE_ID ?? `node-${port}`;
  const logFile = join(makeTempDir('switchboard-node-'), 'node.log');
  const managed = spawnManaged(process.execPath, [MAIN], {
    cwd: root,
    logFile,
    // No load balancer waits to notice a test node's SIGTERM: no drain delay unless a test asks for one.
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', DRAIN_DELAY_MS: '0', ...env, PORT: String(port), NODE_ID: nodeId },
  });
  const http = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (!managed.isRunning()) throw new Error(`node ${nodeId} exited during start-up (${describeExit(managed.exitInfo())}):\n${tailFile(logFile)}`);
    const live = await fetch(`${http}/health/live`).then((r) => r.ok, () => false);
    if (live) break;
    if (Date.now() > deadline) throw new Error(`node ${nodeId} not live within 20 s:\n${tailFile(logFile)}`);
    await sleep(100);
  }
  return {
    nodeId,
    port,
    http,
    ws: `ws://127.0.0.1:${port}${env.WS_PATH ?? '/ws'}`,
    process: managed,
    logFile,
    stop: () => terminate(managed, 'SIGTERM'),
    kill: () => terminate(managed, 'SIGKILL'),
    logs: () => tailFile(logFile),
  };
}

/** Polls `probe` until it returns a truthy value or the time runs out. */
export async function eventually<T>(probe: () => Promise<T> | T, timeoutMs = 10_000, intervalMs = 100): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms (last: ${String(last)})`);
    await sleep(intervalMs);
  }
}
