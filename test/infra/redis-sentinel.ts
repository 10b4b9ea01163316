import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBinary } from './ensure-binary.js';
import { freePorts } from './free-port.js';
import { describeExit, makeTempDir, sleep, spawnManaged, tailFile, terminate, type ManagedProcess } from './managed-process.js';
import { pingOnce, type RedisServer, startRedis } from './redis-server.js';

/**
 * A throwaway Sentinel deployment for one test file: a master, one replica and three
 * `redis-sentinel` processes (quorum 2) on free 127.0.0.1 ports; no persistence.
 *
 * Start-up is fast because nothing is left to discovery: the replica is synced before
 * the sentinels start, and each sentinel's config names its own id and the other two
 * (`sentinel myid`, `known-sentinel`, `known-replica`), which sentinels otherwise learn
 * from hello messages every 2 s. Tuned for tests: `down-after-milliseconds` 1000 and
 * `failover-timeout` 4000, so a killed master is replaced in about 2–4 s.
 */
export interface RedisSentinelSet {
  masterName: string;
  /** The data nodes, in creation order: [initial master, initial replica]. */
  data: RedisServer[];
  sentinels: SentinelServer[];
  /** `127.0.0.1:PORT,…` of the sentinels (REDIS_SENTINELS). */
  addresses: string;
  /** requirepass of the data nodes (REDIS_PASSWORD), when set. */
  password?: string;
  /** requirepass of the sentinels (REDIS_SENTINEL_PASSWORD), when set. */
  sentinelPassword?: string;
  startupMs: number;
  /** The data node the sentinels name as master (a majority of them must agree). */
  master(): Promise<RedisServer>;
  /**
   * Waits until a majority of sentinels name a running master other than `not` (when
   * given), it reports role:master and, with `replicaSynced` (the default), has a synced
   * replica that every sentinel sees as healthy when one is running.
   */
  waitForMaster(options?: { not?: RedisServer; timeoutMs?: number; replicaSynced?: boolean }): Promise<RedisServer>;
  /** SIGKILL both data nodes (sentinels stay up). */
  kill(): Promise<void>;
  /**
   * Start the stopped data nodes again on their ports, in the roles the sentinels give
   * them (the master they name, replicas of it), and wait for a master with a synced replica.
   */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface SentinelServer {
  port: number;
  dir: string;
  /** `redis-cli -p PORT …` against the sentinel. */
  command(...args: string[]): Promise<string>;
  stop(): Promise<void>;
  logs(): string;
}

export interface StartRedisSentinelOptions {
  masterName?: string;
  password?: string;
  sentinelPassword?: string;
  downAfterMs?: number;
  failoverTimeoutMs?: number;
}

export async function startRedisSentinel(options: StartRedisSentinelOptions = {}): Promise<RedisSentinelSet> {
  const began = performance.now();
  const sentinelBin = await ensureBinary('redis-sentinel', 'redis-sentinel');
  const cliBin = await ensureBinary('redis-cli', 'redis-tools');
  const masterName = options.masterName ?? 'switchboard';
  const { password, sentinelPassword } = options;
  const withPassword = password !== undefined ? { password } : {};

  // Replicas sync at once: the default waits 5 s for more replicas to share a transfer.
  const fastSync = { 'repl-diskless-sync-delay': 0 };
  const master = await startRedis({ ...withPassword, config: fastSync });
  const replica = await startRedis({ ...withPassword, config: { ...fastSync, replicaof: `127.0.0.1 ${master.port}` } });
  const data = [master, replica];
  const ports = await freePorts(3);
  const ids = ports.map(() => randomBytes(20).toString('hex'));
  const sentinels: SentinelServer[] = [];
  const stopAll = async () => {
    await Promise.all([...sentinels.map((sentinel) => sentinel.stop()), ...data.map((node) => node.stop())]);
  };

  const set: RedisSentinelSet = {
    masterName,
    data,
    sentinels,
    addresses: ports.map((port) => `127.0.0.1:${port}`).join(','),
    ...withPassword,
    ...(sentinelPassword !== undefined ? { sentinelPassword } : {}),
    startupMs: 0,
    async master() {
      const named = await namedMaster();
      const server = data.find((node) => node.port === named);
      if (!server) throw new Error(`sentinels name no known master (${String(named)})`);
      return server;
    },
    async waitForMaster({ not, timeoutMs = 30_000, replicaSynced = true } = {}) {
      const deadline = Date.now() + timeoutMs;
      let problem = 'not checked yet';
      while (Date.now() < deadline) {
        try {
          const named = await namedMaster();
          const server = data.find((node) => node.port === named);
          if (!server) problem = `sentinels name ${String(named)}`;
          else if (server === not) problem = `sentinels still name ${server.port}`;
          else if (!server.isRunning()) problem = `named master ${server.port} is not running`;
          else {
            const replication = await server.command('INFO', 'replication');
            const replicasUp = data.filter((node) => node !== server && node.isRunning()).length;
            if (!/role:master/.test(replication)) problem = `${server.port} is not master yet`;
            else if (replicaSynced && replicasUp > 0 && !/slave0:.*state=online/.test(replication)) problem = `${server.port} has no synced replica yet`;
            else if (replicaSynced && replicasUp > 0 && !(await sentinelsSeeReplicas(replicasUp))) problem = 'the sentinels do not see a healthy replica yet';
            else return server;
          }
        } catch (error) {
          problem = (error as Error).message;
        }
        await sleep(50);
      }
      throw new Error(`no master within ${timeoutMs} ms: ${problem}\n${sentinels.map((s) => `sentinel ${s.port}:\n${s.logs()}`).join('\n')}`);
    },
    async kill() {
      await Promise.all(data.map((node) => node.kill()));
    },
    async restart() {
      const restarted = data.filter((node) => !node.isRunning());
      await Promise.all(restarted.map((node) => node.restart()));
      // A restarted node comes up in the role its command line gives it; put it in the
      // role the sentinels have for it now, as an operator would, instead of waiting for
      // the sentinels' next 10 s INFO round to notice and reconfigure it.
      const named = await namedMaster();
      const master = data.find((node) => node.port === named);
      if (master) {
        for (const node of restarted) {
          if (node === master) await node.command('REPLICAOF', 'NO', 'ONE');
          else await node.command('REPLICAOF', '127.0.0.1', String(master.port));
        }
      }
      await set.waitForMaster({ timeoutMs: 60_000 });
    },
    stop: stopAll,
  };

  /** Whether every sentinel sees `count` replicas up (not s_down, not disconnected), so a failover can promote one. */
  async function sentinelsSeeReplicas(count: number): Promise<boolean> {
    const views = await Promise.all(sentinels.map((sentinel) => sentinel.command('SENTINEL', 'replicas', masterName)));
    return views.every((view) => {
      const lines = view.split('\n');
      return lines.filter((line, i) => lines[i - 1] === 'flags' && line === 'slave').length >= count;
    });
  }

  /** The master address a majority of the sentinels report (port). */
  async function namedMaster(): Promise<number | undefined> {
    const answers = await Promise.all(
      sentinels.map((sentinel) =>
        sentinel.command('SENTINEL', 'get-master-addr-by-name', masterName).then(
          (reply) => Number(reply.split('\n')[1]),
          () => undefined,
        ),
      ),
    );
    const counts = new Map<number, number>();
    for (const port of answers) if (port) counts.set(port, (counts.get(port) ?? 0) + 1);
    return [...counts].find(([, n]) => n >= 2)?.[0];
  }

  try {
    // The replica is in sync before the sentinels look.
    const syncDeadline = Date.now() + 15_000;
    while (!/master_link_status:up/.test(await replica.command('INFO', 'replication'))) {
      if (Date.now() > syncDeadline) throw new Error(`replica ${replica.port} did not sync with ${master.port}:\n${replica.logs()}`);
      await sleep(20);
    }
    for (let i = 0; i < ports.length; i++) {
      sentinels.push(
        await startSentinel({
          bin: sentinelBin,
          cliBin,
          port: ports[i]!,
          id: ids[i]!,
          peers: ports.map((port, j) => ({ port, id: ids[j]! })).filter((_, j) => j !== i),
          masterName,
          masterPort: master.port,
          replicaPort: replica.port,
          downAfterMs: options.downAfterMs ?? 1000,
          failoverTimeoutMs: options.failoverTimeoutMs ?? 4000,
          ...withPassword,
          ...(sentinelPassword !== undefined ? { sentinelPassword } : {}),
        }),
      );
    }
    // Every sentinel knows the master, the replica and both peers.
    const deadline = Date.now() + 15_000;
    for (const sentinel of sentinels) {
      for (;;) {
        const master = await sentinel.command('SENTINEL', 'master', masterName).catch((error: Error) => error.message);
        const fields = master.split('\n');
        const field = (name: string) => fields[fields.indexOf(name) + 1];
        if (field('num-slaves') === '1' && field('num-other-sentinels') === '2' && field('flags') === 'master') break;
        if (Date.now() > deadline) throw new Error(`sentinel ${sentinel.port} does not see the set: ${master}\n${sentinel.logs()}`);
        await sleep(20);
      }
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  set.startupMs = Math.round(performance.now() - began);
  return set;
}

interface SentinelSpec {
  bin: string;
  cliBin: string;
  port: number;
  id: string;
  peers: Array<{ port: number; id: string }>;
  masterName: string;
  masterPort: number;
  replicaPort: number;
  downAfterMs: number;
  failoverTimeoutMs: number;
  password?: string;
  sentinelPassword?: string;
}

async function startSentinel(spec: SentinelSpec): Promise<SentinelServer> {
  const dir = makeTempDir(`switchboard-sentinel-${spec.port}-`);
  const configFile = join(dir, 'sentinel.conf');
  const logFile = join(dir, 'sentinel.log');
  const lines = [
    `port ${spec.port}`,
    'bind 127.0.0.1',
    'daemonize no',
    `dir ${dir}`,
    'logfile ""',
    `sentinel myid ${spec.id}`,
    `sentinel monitor ${spec.masterName} 127.0.0.1 ${spec.masterPort} 2`,
    `sentinel down-after-milliseconds ${spec.masterName} ${spec.downAfterMs}`,
    `sentinel failover-timeout ${spec.masterName} ${spec.failoverTimeoutMs}`,
    `sentinel parallel-syncs ${spec.masterName} 1`,
    `sentinel known-replica ${spec.masterName} 127.0.0.1 ${spec.replicaPort}`,
    ...spec.peers.map((peer) => `sentinel known-sentinel ${spec.masterName} 127.0.0.1 ${peer.port} ${peer.id}`),
  ];
  if (spec.password !== undefined) lines.push(`sentinel auth-pass ${spec.masterName} ${spec.password}`);
  if (spec.sentinelPassword !== undefined) lines.push(`requirepass ${spec.sentinelPassword}`, `sentinel sentinel-pass ${spec.sentinelPassword}`);
  // Sentinel rewrites its config file as it learns: it must be writable.
  writeFileSync(configFile, `${lines.join('\n')}\n`);
  const auth = spec.sentinelPassword === undefined ? [] : ['-a', spec.sentinelPassword, '--no-auth-warning'];
  let proc: ManagedProcess | undefined = spawnManaged(spec.bin, [configFile], { cwd: dir, logFile, cleanupDir: dir });
  const current = proc;
  const deadline = performance.now() + 15_000;
  while (!(await pingOnce(spec.port, 1_000, spec.sentinelPassword))) {
    if (!current.isRunning()) throw new Error(`redis-sentinel on port ${spec.port} ${describeExit(current.exitInfo())}:\n${tailFile(logFile)}`);
    if (performance.now() > deadline) {
      await terminate(current, 'SIGKILL');
      throw new Error(`redis-sentinel on port ${spec.port} did not answer PING within 15 s:\n${tailFile(logFile)}`);
    }
    await sleep(25);
  }
  return {
    port: spec.port,
    dir,
    command: (...args: string[]) =>
      new Promise<string>((resolve, reject) => {
        execFile(spec.cliBin, ['-h', '127.0.0.1', '-p', String(spec.port), ...auth, ...args], { timeout: 10_000 }, (error, stdout, stderr) => {
          if (error) reject(new Error(`redis-cli -p ${spec.port} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
          else resolve(stdout.trim());
        });
      }),
    async stop() {
      if (proc) await terminate(proc, 'SIGTERM', 10_000);
      proc = undefined;
    },
    logs: () => tailFile(logFile),
  };
}
