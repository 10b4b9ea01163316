import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ensureBinary } from './ensure-binary.js';
import { freePorts } from './free-port.js';
import { describeExit, makeTempDir, sleep, spawnManaged, tailFile, terminate } from './managed-process.js';

/**
 * A real HAProxy for one test file, on free ports of 127.0.0.1, in the foreground (-db),
 * with its config, admin socket and log in a temp dir. The caller renders the config
 * (usually the shipped deploy/haproxy/haproxy.cfg) for the ports and dir it is given;
 * the config must put its stats page (`stats uri /stats`) on `statsPort` and its admin
 * socket at `<dir>/admin.sock`.
 *
 *   const lb = await startHaproxy(({ port, statsPort, dir }) => haproxyConfig({ ... }));
 *   (await lb.servers()).find((s) => s.name === 'gw1')?.status   // 'UP', 'DOWN', 'DRAIN', ...
 */
export interface HaproxyServer {
  port: number;
  statsPort: number;
  dir: string;
  configFile: string;
  /** Output of `haproxy -c` on the rendered config. */
  checkOutput: string;
  /** Backend servers as the stats page lists them (`/stats;csv`). */
  servers(backend?: string): Promise<HaproxyServerStat[]>;
  /** One runtime-API command on the admin socket, e.g. `disable agent be/srv`. */
  command(line: string): Promise<string>;
  stop(): Promise<void>;
  logs(): string;
}

export interface HaproxyServerStat {
  backend: string;
  name: string;
  /** UP, DOWN, DRAIN, MAINT, `UP 1/2` while going down, `DOWN 1/2` while coming up… */
  status: string;
  /** Effective weight (the agent's percentage applied). */
  weight: number;
  /** Sessions open now. */
  current: number;
  /** Retries and redispatches of requests first sent to this server. */
  retries: number;
  redispatches: number;
  /** The agent's last answer, as HAProxy read it. */
  lastAgent: string;
  raw: Record<string, string>;
}

export interface HaproxySetup {
  port: number;
  statsPort: number;
  dir: string;
}

export async function startHaproxy(render: (setup: HaproxySetup) => string): Promise<HaproxyServer> {
  const bin = await ensureBinary('haproxy', 'haproxy');
  const [port, statsPort] = (await freePorts(2)) as [number, number];
  const dir = makeTempDir('switchboard-haproxy-');
  const configFile = join(dir, 'haproxy.cfg');
  const logFile = join(dir, 'haproxy.log');
  writeFileSync(configFile, render({ port, statsPort, dir }));
  const checkOutput = await check(bin, configFile);
  const proc = spawnManaged(bin, ['-db', '-f', configFile], { cwd: dir, logFile, cleanupDir: dir });
  const statsUrl = `http://127.0.0.1:${statsPort}/stats;csv`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (!proc.isRunning()) throw new Error(`haproxy ${describeExit(proc.exitInfo())}:\n${tailFile(logFile)}`);
    if (await fetch(statsUrl).then((r) => r.ok, () => false)) break;
    if (Date.now() > deadline) throw new Error(`haproxy stats not answering on ${statsPort}:\n${tailFile(logFile)}`);
    await sleep(50);
  }
  return {
    port,
    statsPort,
    dir,
    configFile,
    checkOutput,
    async servers(backend = 'switchboard_nodes') {
      const text = await (await fetch(statsUrl)).text();
      const [header, ...rows] = text.trim().split('\n');
      const columns = header!.replace(/^# /, '').split(',');
      return rows
        .map((row) => Object.fromEntries(row.split(',').map((value, i) => [columns[i] ?? String(i), value])) as Record<string, string>)
        .filter((raw) => raw.pxname === backend && raw.svname !== 'BACKEND')
        .map((raw) => ({
          backend: raw.pxname!,
          name: raw.svname!,
          status: raw.status!,
          weight: Number(raw.weight),
          current: Number(raw.scur),
          retries: Number(raw.wretr),
          redispatches: Number(raw.wredis),
          lastAgent: raw.last_agt ?? '',
          raw,
        }));
    },
    command: (line) => runtimeCommand(join(dir, 'admin.sock'), line),
    async stop() {
      await terminate(proc, 'SIGTERM', 10_000);
    },
    logs: () => tailFile(logFile),
  };
}

/** `haproxy -c -f file`: resolves with its output, rejects when the config is invalid. */
export function check(bin: string, configFile: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, ['-c', '-f', configFile], { timeout: 20_000 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      if (error) reject(new Error(`haproxy -c -f ${configFile} failed:\n${output}`));
      else resolve(output);
    });
  });
}

function runtimeCommand(socketPath: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    let out = '';
    socket.setTimeout(5000, () => socket.destroy(new Error(`haproxy runtime API: no answer to "${line}"`)));
    socket.on('data', (chunk: Buffer) => (out += chunk.toString()));
    socket.once('end', () => resolve(out.trim()));
    socket.once('error', reject);
    socket.write(`${line}\n`);
  });
}
