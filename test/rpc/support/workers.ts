import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeExit, type ExitInfo, makeTempDir, type ManagedProcess, sleep, spawnManaged, tailFile, terminate } from '../../infra/managed-process.js';

const SCRIPT = fileURLToPath(new URL('./rpc-worker.mts', import.meta.url));

export interface WorkerLog {
  /** Correlation id → redelivered flag, for every request the worker started. */
  received: Map<string, boolean>;
  /** Correlation ids it replied to. */
  done: Set<string>;
  events: string[];
}

export interface RpcWorkerProcess {
  name: string;
  process: ManagedProcess;
  /** The HTTP backend's port. */
  port?: number;
  kill(): Promise<ExitInfo>;
  stop(): Promise<ExitInfo>;
  log(): WorkerLog;
  output(): string;
}

/** Spawns test/rpc/support/rpc-worker.mts with `env` (RPC_BACKEND and its variables) and waits until it consumes. */
export async function startRpcWorker(name: string, env: Record<string, string>, timeoutMs = 30_000): Promise<RpcWorkerProcess> {
  const dir = makeTempDir(`switchboard-rpc-worker-${name}-`);
  const logFile = join(dir, 'output.log');
  const testLog = join(dir, 'requests.log');
  const managed = spawnManaged(process.execPath, [SCRIPT], { env: { ...process.env, ...env, WORKER_ID: name, RPC_TEST_LOG: testLog }, logFile, cleanupDir: dir });
  const deadline = Date.now() + timeoutMs;
  let port: number | undefined;
  for (;;) {
    const output = tailFile(logFile);
    const ready = /^ready \S+ \S+(?: (\d+))?$/m.exec(output);
    if (ready) {
      port = ready[1] ? Number(ready[1]) : undefined;
      break;
    }
    if (!managed.isRunning()) throw new Error(`worker ${name} ${describeExit(managed.exitInfo())} during start-up:\n${output}`);
    if (Date.now() > deadline) throw new Error(`worker ${name} not ready within ${timeoutMs} ms:\n${output}`);
    await sleep(50);
  }
  return {
    name,
    process: managed,
    port,
    kill: () => terminate(managed, 'SIGKILL'),
    stop: () => terminate(managed, 'SIGTERM', 10_000),
    output: () => tailFile(logFile),
    log() {
      const result: WorkerLog = { received: new Map(), done: new Set(), events: [] };
      let text = '';
      try {
        text = readFileSync(testLog, 'utf8');
      } catch {
        return result;
      }
      for (const line of text.split('\n')) {
        const [kind, id, flag] = line.split(' ');
        if (kind === 'recv' && id) result.received.set(id, result.received.get(id) === true || flag === '1');
        else if (kind === 'done' && id) result.done.add(id);
        else if (kind === 'event') result.events.push(line.slice('event '.length));
      }
      return result;
    },
  };
}
