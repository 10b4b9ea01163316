import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Runs `fn` while holding an exclusive flock(1) on `lockPath`, so parallel
 * vitest workers (separate processes) never run the same install or download
 * at the same time.
 *
 * The lock is held by a small `flock LOCK sh -c 'read'` helper whose stdin is
 * our pipe: closing stdin releases it, and if this process dies the pipe
 * closes too, so a crashed test run can never leave a stale lock behind.
 */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, timeoutMs = 15 * 60_000): Promise<T> {
  mkdirSync(dirname(lockPath), { recursive: true });
  const holder = spawn('flock', ['--exclusive', lockPath, 'sh', '-c', 'echo locked; read _ignored'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => {
    holder.once('exit', () => resolve());
    holder.once('error', () => resolve());
  });
  try {
    await new Promise<void>((resolve, reject) => {
      let stderr = '';
      const timer = setTimeout(() => {
        reject(new Error(`withFileLock: timed out after ${timeoutMs} ms waiting for ${lockPath}`));
      }, timeoutMs);
      const done = (err?: Error): void => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      holder.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      holder.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('locked')) done();
      });
      holder.once('error', (err) => done(new Error(`withFileLock: cannot run flock (util-linux): ${err.message}`)));
      holder.once('exit', (code) => done(new Error(`withFileLock: flock on ${lockPath} exited with ${code}: ${stderr}`)));
    });
    return await fn();
  } finally {
    holder.stdin?.end();
    await exited;
  }
}
