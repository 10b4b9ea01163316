import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onCleanup } from './cleanup.js';

/**
 * A bench child process (load generator or publisher) driven over Node's IPC channel
 * with request/response messages: `{ id, type, ... }` → `{ id, ok, result | error }`.
 * The child exits when the channel closes, so it never outlives the orchestrator.
 */
export interface Request {
  type: string;
  [key: string]: unknown;
}

const REGISTER = fileURLToPath(new URL('../register.mjs', import.meta.url));

export class IpcChild {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly exited: Promise<void>;
  private readonly unregister: () => void;

  constructor(name: string, script: URL, env: NodeJS.ProcessEnv = {}) {
    this.name = name;
    this.child = fork(fileURLToPath(script), [], {
      execArgv: ['--import', REGISTER],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.pid = this.child.pid ?? -1;
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.child.on('message', (message: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`${this.name}: ${message.error}`));
    });
    this.child.once('exit', (code, signal) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`${this.name} exited (${signal ?? code})`));
      this.pending.clear();
    });
    this.unregister = onCleanup(name, () => this.stop());
  }

  request<T>(request: Request, timeoutMs = 120_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: no answer to ${request.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ ...request, id });
    });
  }

  /** Closes the channel (the child exits on its own), SIGKILL after 5 s. */
  async stop(): Promise<void> {
    this.unregister();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    if (this.child.connected) this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The child side: answers requests with `handler` and exits when the parent goes away. */
export function serveIpc(handler: (request: Request) => Promise<unknown>): void {
  if (!process.send) throw new Error('this script is a bench child: run it through bench/run.ts');
  process.on('disconnect', () => process.exit(0));
  process.on('message', (message: Request & { id: number }) => {
    handler(message).then(
      (result) => process.send?.({ id: message.id, ok: true, result }),
      (error: unknown) => process.send?.({ id: message.id, ok: false, error: error instanceof Error ? error.stack ?? error.message : String(error) }),
    );
  });
}
