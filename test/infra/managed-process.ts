import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Child-process plumbing shared by the real-server harnesses (redis, kafka, ...).
 *
 * Every server started here dies with the test process:
 *  - a process 'exit' handler SIGKILLs every child still running, and
 *  - a tiny detached `sh` watchdog per child SIGKILLs it within ~1 s if this
 *    process disappears without running exit handlers (SIGKILLed vitest worker).
 */

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

export interface ManagedProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Settles when the child has exited (or failed to spawn). */
  readonly exited: Promise<ExitInfo>;
  isRunning(): boolean;
  exitInfo(): ExitInfo | undefined;
}

export interface SpawnManagedOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** stdout and stderr are appended to this file (restarts keep earlier output). */
  logFile: string;
  /** A makeTempDir() dir to delete if this process dies without running its exit hook. */
  cleanupDir?: string;
}

const live = new Set<ManagedProcess>();
const tempDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const managed of live) {
      try {
        managed.child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    if (process.env.SWITCHBOARD_KEEP_INFRA_DIRS) return;
    for (const dir of tempDirs) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // best effort
      }
    }
  });
}

/** A fresh temp dir, removed when the process exits (unless SWITCHBOARD_KEEP_INFRA_DIRS is set). */
export function makeTempDir(prefix: string): string {
  installExitHook();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

function startWatchdog(childPid: number, cleanupDir: string | undefined): void {
  // Poll while both are alive; if the parent vanished first (a test worker killed by a
  // signal never runs 'exit' handlers), SIGKILL the orphan and remove its temp dir.
  const script =
    'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; ' +
    'if ! kill -0 "$1" 2>/dev/null; then kill -9 "$2" 2>/dev/null; ' +
    'if [ -n "$3" ] && [ -z "$4" ]; then sleep 1; rm -rf -- "$3"; fi; fi; exit 0';
  const keep = process.env.SWITCHBOARD_KEEP_INFRA_DIRS ? '1' : '';
  try {
    const watchdog = spawn('sh', ['-c', script, 'switchboard-watchdog', String(process.pid), String(childPid), cleanupDir ?? '', keep], {
      detached: true,
      stdio: 'ignore',
    });
    watchdog.on('error', () => undefined);
    watchdog.unref();
  } catch {
    // the exit hook still covers the normal case
  }
}

export function spawnManaged(command: string, args: readonly string[], options: SpawnManagedOptions): ManagedProcess {
  installExitHook();
  const fd = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  let info: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      info = { code, signal };
      resolve(info);
    });
    child.once('error', (error) => {
      // 'error' without a pid means spawn failed; otherwise 'exit' will follow.
      if (child.pid === undefined) {
        info = { code: null, signal: null, error };
        resolve(info);
      }
    });
  });
  const managed: ManagedProcess = {
    child,
    pid: child.pid ?? -1,
    exited,
    isRunning: () => info === undefined && child.exitCode === null && child.signalCode === null,
    exitInfo: () => info,
  };
  if (child.pid !== undefined) {
    live.add(managed);
    startWatchdog(child.pid, options.cleanupDir);
    // Do not keep the test process alive just because a server is running;
    // the exit hook kills it. terminate() re-refs while it waits.
    child.unref();
  }
  void exited.then(() => live.delete(managed));
  return managed;
}

/**
 * Sends `signal` and waits for the exit. A SIGTERM that is not obeyed within
 * `timeoutMs` is followed by SIGKILL.
 */
export async function terminate(managed: ManagedProcess, signal: 'SIGTERM' | 'SIGKILL', timeoutMs = 30_000): Promise<ExitInfo> {
  if (!managed.isRunning()) return managed.exited;
  managed.child.ref();
  try {
    managed.child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const first = await Promise.race([managed.exited, timedOut]);
    clearTimeout(timer);
    if (first !== 'timeout') return first;
    managed.child.kill('SIGKILL');
    return await managed.exited;
  } finally {
    managed.child.unref();
  }
}

/** The last `maxBytes` of a log file, for error messages. */
export function tailFile(path: string, maxBytes = 8_000): string {
  try {
    if (!existsSync(path)) return '(no output)';
    const size = statSync(path).size;
    const start = Math.max(0, size - maxBytes);
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.alloc(size - start);
      readSync(fd, buf, 0, buf.length, start);
      return (start > 0 ? '...' : '') + buf.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    return `(cannot read ${path}: ${(err as Error).message})`;
  }
}

export function describeExit(info: ExitInfo | undefined): string {
  if (!info) return 'still running';
  if (info.error) return `failed to start: ${info.error.message}`;
  return info.signal ? `killed by ${info.signal}` : `exited with code ${info.code}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
