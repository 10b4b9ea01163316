import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ensureBinary, findBinary } from './ensure-binary.js';
import { freePorts } from './free-port.js';
import { describeExit, makeTempDir, sleep, spawnManaged, tailFile, terminate, type ManagedProcess } from './managed-process.js';

/**
 * RabbitMQ for integration tests, two ways:
 *
 *  - `sharedRabbitVhost()`: the machine's RabbitMQ on 127.0.0.1:5672 (guest/guest, which
 *    this kind of machine starts before any session or CI run), with a vhost of the test's
 *    own, deleted by `stop()`. Fails with a plain message when that broker is not there.
 *  - `startRabbitMq()`: a private node on free ports with its data in a temp dir, for tests
 *    that stop, kill and restart the broker. About 5-8 s to start on 2 cores.
 */

export const SHARED_RABBITMQ_PORT = 5672;

export interface RabbitVhost {
  /** amqp://guest:guest@127.0.0.1:5672/<vhost> */
  url: string;
  vhost: string;
  /** `rabbitmqctl list_queues -p <vhost> name messages_ready messages_unacknowledged consumers`, as a map by queue name. */
  queues(): Promise<Map<string, { ready: number; unacked: number; consumers: number }>>;
  /** Deletes the vhost (and every queue in it). */
  stop(): Promise<void>;
}

export interface RabbitServer {
  port: number;
  /** amqp://guest:guest@127.0.0.1:PORT */
  url: string;
  nodeName: string;
  dir: string;
  startupMs: number;
  /** SIGTERM (the broker stops cleanly), wait for the exit. No-op when not running. */
  stop(): Promise<void>;
  /** SIGKILL, wait for the exit. */
  kill(): Promise<void>;
  /** Start again on the same port with the same data (durable queues and persistent messages survive). */
  restart(): Promise<void>;
  isRunning(): boolean;
  logs(): string;
}

function portOpen(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => done(true));
  });
}

function run(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env: env ?? process.env, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

/** rabbitmqctl of the machine's broker (the Debian wrapper runs it as the rabbitmq user, with its cookie). */
async function sharedCtl(): Promise<string> {
  const ctl = await findBinary('rabbitmqctl');
  if (!ctl) throw new Error('rabbitmqctl is not installed: RabbitMQ (apt-get install rabbitmq-server) must run on 127.0.0.1:5672 for the RPC tests');
  return ctl;
}

export async function sharedRabbitVhost(): Promise<RabbitVhost> {
  if (!(await portOpen(SHARED_RABBITMQ_PORT))) {
    throw new Error(
      `RabbitMQ is not running on 127.0.0.1:${SHARED_RABBITMQ_PORT}: the RPC tests need it (guest/guest). ` +
        'Install it with apt-get install rabbitmq-server and start it with `rabbitmq-server -detached` (as root).',
    );
  }
  const ctl = await sharedCtl();
  const vhost = `switchboard-test-${process.pid}-${randomBytes(3).toString('hex')}`;
  await run(ctl, ['add_vhost', vhost]);
  await run(ctl, ['set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*']);
  return {
    url: `amqp://guest:guest@127.0.0.1:${SHARED_RABBITMQ_PORT}/${encodeURIComponent(vhost)}`,
    vhost,
    async queues() {
      const out = await run(ctl, ['list_queues', '-q', '-p', vhost, 'name', 'messages_ready', 'messages_unacknowledged', 'consumers']);
      const queues = new Map<string, { ready: number; unacked: number; consumers: number }>();
      for (const line of out.split('\n')) {
        const [name, ready, unacked, consumers] = line.trim().split(/\s+/);
        if (name && ready !== undefined && /^\d+$/.test(ready)) queues.set(name, { ready: Number(ready), unacked: Number(unacked), consumers: Number(consumers) });
      }
      return queues;
    },
    async stop() {
      await run(ctl, ['delete_vhost', vhost]).catch(() => undefined);
    },
  };
}

export async function startRabbitMq(options: { readyTimeoutMs?: number } = {}): Promise<RabbitServer> {
  // The Debian wrapper in /usr/sbin su's to the rabbitmq user; the real script runs as whoever starts it.
  const server = '/usr/lib/rabbitmq/bin/rabbitmq-server';
  if (!(await findBinary(server))) await ensureBinary('rabbitmq-server', 'rabbitmq-server');
  const [port, distPort] = (await freePorts(2)) as [number, number];
  const dir = makeTempDir(`switchboard-rabbitmq-${port}-`);
  const nodeName = `sbtest${port}@localhost`;
  for (const sub of ['home', 'mnesia', 'log']) mkdirSync(join(dir, sub));
  writeFileSync(join(dir, 'rabbitmq.conf'), `listeners.tcp.default = 127.0.0.1:${port}\nlog.console = true\nlog.console.level = warning\nlog.file = false\n`);
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: join(dir, 'home'),
    RABBITMQ_NODENAME: nodeName,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
    // Not the machine broker's /etc/rabbitmq/rabbitmq-env.conf (its NODENAME would win).
    RABBITMQ_CONF_ENV_FILE: '/dev/null',
    ERL_EPMD_ADDRESS: '127.0.0.1',
    // The script then execs erl: the managed process is the broker itself, so signals and the watchdog reach it.
    RUNNING_UNDER_SYSTEMD: 'true',
  };
  const logFile = join(dir, 'rabbitmq.log');
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  let proc: ManagedProcess | undefined;

  async function start(): Promise<number> {
    const began = performance.now();
    proc = spawnManaged(server, [], { env, logFile, cleanupDir: dir, cwd: dir });
    const current = proc;
    const deadline = began + readyTimeoutMs;
    while (performance.now() < deadline) {
      if (!current.isRunning()) throw new Error(`RabbitMQ (port ${port}) ${describeExit(current.exitInfo())} before listening. Log:\n${tailFile(logFile)}`);
      if (await portOpen(port, 500)) return Math.round(performance.now() - began);
      await sleep(100);
    }
    await terminate(current, 'SIGKILL');
    throw new Error(`RabbitMQ (port ${port}) not listening within ${readyTimeoutMs} ms. Log:\n${tailFile(logFile)}`);
  }

  const rabbit: RabbitServer = {
    port,
    url: `amqp://guest:guest@127.0.0.1:${port}`,
    nodeName,
    dir,
    startupMs: 0,
    async stop() {
      if (proc) await terminate(proc, 'SIGTERM', 30_000);
    },
    async kill() {
      if (proc) await terminate(proc, 'SIGKILL');
    },
    async restart() {
      if (proc?.isRunning()) await terminate(proc, 'SIGTERM', 30_000);
      rabbit.startupMs = await start();
    },
    isRunning: () => proc?.isRunning() ?? false,
    logs: () => tailFile(logFile),
  };
  rabbit.startupMs = await start();
  return rabbit;
}
