import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ensureBinary } from './ensure-binary.js';
import { freePort } from './free-port.js';
import { describeExit, makeTempDir, sleep, spawnManaged, tailFile, terminate, type ManagedProcess } from './managed-process.js';

/**
 * A throwaway redis-server for one test file: its own port on 127.0.0.1, no
 * persistence, dies with the test process. Never the shared redis on 6379.
 */
export interface RedisServer {
  port: number;
  /** redis://127.0.0.1:PORT */
  url: string;
  /** Temp dir holding redis.log (and redis' working dir). */
  dir: string;
  /** Milliseconds from spawn to the first +PONG, for the last (re)start. */
  startupMs: number;
  /** SIGTERM, wait for exit (SIGKILL after 10 s). No-op when not running. */
  stop(): Promise<void>;
  /** SIGKILL, wait for exit. No-op when not running. */
  kill(): Promise<void>;
  /** Start again on the SAME port (stopping first if still running) and wait for PING. */
  restart(): Promise<void>;
  /** `redis-cli -p PORT ...args`, stdout trimmed, e.g. command('PUBSUB', 'NUMSUB', 'ch'). */
  command(...args: string[]): Promise<string>;
  /** Whether the server process is currently alive. */
  isRunning(): boolean;
  /** The `requirepass` it was started with, if any (`command()` authenticates with it). */
  password?: string;
  /** Tail of the server's log. */
  logs(): string;
}

export interface StartRedisOptions {
  /** Default: a free port. */
  port?: number;
  /** Default 15 s. */
  readyTimeoutMs?: number;
  /** Extra `--name value` pairs, e.g. { 'notify-keyspace-events': 'KEA' }. */
  config?: Record<string, string | number>;
  /** `requirepass` (and `masterauth`, for replicas of a server with the same password). */
  password?: string;
}

/** One raw PING over TCP (after AUTH when a password is given); true on +PONG. */
export function pingOnce(port: number, timeoutMs = 1_000, password?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    const auth = password === undefined ? '' : `*2\r\n$4\r\nAUTH\r\n$${Buffer.byteLength(password)}\r\n${password}\r\n`;
    const lines = password === undefined ? 1 : 2;
    socket.once('connect', () => socket.write(`${auth}PING\r\n`));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      if (reply.split('\r\n').length > lines) finish(reply.split('\r\n')[lines - 1]!.startsWith('+PONG'));
    });
  });
}

export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  const serverBin = await ensureBinary('redis-server', 'redis-server');
  const cliBin = await ensureBinary('redis-cli', 'redis-tools');
  const port = options.port ?? (await freePort());
  const readyTimeoutMs = options.readyTimeoutMs ?? 15_000;
  const dir = makeTempDir(`switchboard-redis-${port}-`);
  const logFile = join(dir, 'redis.log');
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--save', '',
    '--appendonly', 'no',
    '--daemonize', 'no',
    '--dir', dir,
    '--logfile', '',
    '--loglevel', 'notice',
  ];
  if (options.password !== undefined) args.push('--requirepass', options.password, '--masterauth', options.password);
  for (const [name, value] of Object.entries(options.config ?? {})) args.push(`--${name}`, String(value));
  const auth = options.password === undefined ? [] : ['-a', options.password, '--no-auth-warning'];

  let proc: ManagedProcess | undefined;

  async function start(): Promise<number> {
    const began = performance.now();
    proc = spawnManaged(serverBin, args, { cwd: dir, logFile, cleanupDir: dir });
    const current = proc;
    const deadline = began + readyTimeoutMs;
    while (performance.now() < deadline) {
      if (!current.isRunning()) {
        throw new Error(
          `redis-server on port ${port} ${describeExit(current.exitInfo())} before answering PING. Output:\n${tailFile(logFile)}`,
        );
      }
      if (await pingOnce(port, 1_000, options.password)) return Math.round(performance.now() - began);
      await sleep(25);
    }
    await terminate(current, 'SIGKILL');
    throw new Error(`redis-server on port ${port} did not answer PING within ${readyTimeoutMs} ms. Output:\n${tailFile(logFile)}`);
  }

  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    startupMs: 0,
    async stop() {
      if (proc) await terminate(proc, 'SIGTERM', 10_000);
    },
    async kill() {
      if (proc) await terminate(proc, 'SIGKILL');
    },
    async restart() {
      if (proc?.isRunning()) await terminate(proc, 'SIGTERM', 10_000);
      server.startupMs = await start();
    },
    command(...commandArgs: string[]) {
      return new Promise<string>((resolve, reject) => {
        execFile(cliBin, ['-h', '127.0.0.1', '-p', String(port), ...auth, ...commandArgs], { timeout: 10_000 }, (error, stdout, stderr) => {
          if (error) reject(new Error(`redis-cli -p ${port} ${commandArgs.join(' ')} failed: ${error.message}\n${stderr}`));
          else resolve(stdout.trim());
        });
      });
    },
    isRunning: () => proc?.isRunning() ?? false,
    logs: () => tailFile(logFile),
    ...(options.password !== undefined ? { password: options.password } : {}),
  };
  server.startupMs = await start();
  return server;
}
