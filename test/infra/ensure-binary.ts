import { execFile } from 'node:child_process';
import { accessSync, constants, statSync, utimesSync, writeFileSync } from 'node:fs';
import { withFileLock } from './file-lock.js';

/**
 * Makes sure an executable from a Debian package is available and returns its
 * absolute path. When it is missing and we are root, installs the package with
 * apt-get (serialised across parallel test workers by a flock); otherwise
 * throws, naming the exact apt-get command to run.
 *
 *   await ensureBinary('redis-server', 'redis-server')  // -> '/usr/bin/redis-server'
 *   await ensureBinary('haproxy', 'haproxy')            // -> '/usr/sbin/haproxy'
 */

const APT_LOCK = '/tmp/switchboard-apt.lock';
/** Touched after a successful `apt-get update`; younger than this, other processes skip the update. */
const APT_STAMP = '/tmp/switchboard-apt-updated.stamp';
const APT_STAMP_MAX_AGE_MS = 60 * 60_000;
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9.+_:-]*$/;
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

let aptUpdatedInThisProcess = false;
const pending = new Map<string, Promise<string>>();

interface RunResult {
  code: number;
  output: string;
}

function run(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      { env: env ?? process.env, maxBuffer: 64 * 1024 * 1024, timeout: 20 * 60_000 },
      (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        if (!error) resolve({ code: 0, output });
        else resolve({ code: typeof error.code === 'number' ? error.code : 1, output: error.killed ? `${output}\n(timed out, killed)` : output });
      },
    );
  });
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Absolute path of `binary` (PATH via `command -v`, then the usual sbin/bin dirs), or undefined. */
export async function findBinary(binary: string): Promise<string | undefined> {
  if (binary.startsWith('/')) return isExecutable(binary) ? binary : undefined;
  const found = await run('sh', ['-c', 'command -v "$1"', 'sh', binary]);
  const path = found.output.trim().split('\n')[0] ?? '';
  if (found.code === 0 && path.startsWith('/') && isExecutable(path)) return path;
  for (const dir of EXTRA_DIRS) {
    const candidate = `${dir}/${binary}`;
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function aptStampFresh(): boolean {
  try {
    return Date.now() - statSync(APT_STAMP).mtimeMs < APT_STAMP_MAX_AGE_MS;
  } catch {
    return false;
  }
}

async function aptUpdate(): Promise<void> {
  const result = await run('apt-get', ['update']);
  if (result.code !== 0) throw new Error(`ensureBinary: 'apt-get update' failed (exit ${result.code}):\n${result.output.slice(-6000)}`);
  aptUpdatedInThisProcess = true;
  try {
    writeFileSync(APT_STAMP, '');
    const now = new Date();
    utimesSync(APT_STAMP, now, now);
  } catch {
    // the stamp is only an optimisation
  }
}

async function aptInstall(binary: string, aptPackage: string): Promise<string> {
  return withFileLock(APT_LOCK, async () => {
    // Another worker may have installed it while we waited for the lock.
    const already = await findBinary(binary);
    if (already) return already;
    if (!aptUpdatedInThisProcess && !aptStampFresh()) await aptUpdate();
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const args = ['install', '-y', '--no-install-recommends', aptPackage];
    let result = await run('apt-get', args, env);
    if (result.code !== 0 && !aptUpdatedInThisProcess) {
      // A stale package list (stamp from another process, or none) can 404: refresh once and retry.
      await aptUpdate();
      result = await run('apt-get', args, env);
    }
    if (result.code !== 0) {
      throw new Error(
        `ensureBinary: 'apt-get install -y --no-install-recommends ${aptPackage}' failed (exit ${result.code}):\n${result.output.slice(-6000)}`,
      );
    }
    const installed = await findBinary(binary);
    if (!installed) {
      throw new Error(`ensureBinary: installed apt package '${aptPackage}' but '${binary}' is still not on PATH or in /usr/sbin, /usr/bin`);
    }
    return installed;
  });
}

export async function ensureBinary(binary: string, aptPackage: string): Promise<string> {
  if (!SAFE_NAME.test(aptPackage) || !(binary.startsWith('/') || SAFE_NAME.test(binary))) {
    throw new Error(`ensureBinary: refusing suspicious names binary=${JSON.stringify(binary)} package=${JSON.stringify(aptPackage)}`);
  }
  const found = await findBinary(binary);
  if (found) return found;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `ensureBinary: '${binary}' is not installed and this process is not root, so it cannot install it. ` +
        `Install it with: sudo apt-get install ${aptPackage}   (Debian/Ubuntu package '${aptPackage}')`,
    );
  }
  const key = `${binary}\0${aptPackage}`;
  let promise = pending.get(key);
  if (!promise) {
    promise = aptInstall(binary, aptPackage);
    pending.set(key, promise);
    promise.catch(() => pending.delete(key));
  }
  return promise;
}
