import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ensureBinary } from './ensure-binary.js';
import { freePort } from './free-port.js';
import { describeExit, makeTempDir, sleep, spawnManaged, tailFile, terminate } from './managed-process.js';

/**
 * A real nginx for one test file, on a free port of 127.0.0.1, in the foreground, with
 * its config, pid and logs in a temp dir. The caller renders the config (usually the
 * shipped deploy/nginx/nginx.conf) to listen on `port` and keep its files in `dir`.
 */
export interface NginxServer {
  port: number;
  dir: string;
  configFile: string;
  /** Output of `nginx -t` on the rendered config. */
  checkOutput: string;
  stop(): Promise<void>;
  logs(): string;
}

export async function startNginx(render: (setup: { port: number; dir: string }) => string): Promise<NginxServer> {
  const bin = await ensureBinary('nginx', 'nginx');
  const port = await freePort();
  const dir = makeTempDir('switchboard-nginx-');
  const configFile = join(dir, 'nginx.conf');
  const logFile = join(dir, 'nginx.out');
  writeFileSync(configFile, render({ port, dir }));
  const checkOutput = await test(bin, configFile, dir);
  // `daemon off` from the command line: the shipped file leaves it to how nginx is run.
  const proc = spawnManaged(bin, ['-p', `${dir}/`, '-c', configFile, '-g', 'daemon off;'], { cwd: dir, logFile, cleanupDir: dir });
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (!proc.isRunning()) throw new Error(`nginx ${describeExit(proc.exitInfo())}:\n${tailFile(logFile)}`);
    if (await accepts(port)) break;
    if (Date.now() > deadline) throw new Error(`nginx not listening on ${port}:\n${tailFile(logFile)}`);
    await sleep(50);
  }
  return {
    port,
    dir,
    configFile,
    checkOutput,
    async stop() {
      await terminate(proc, 'SIGTERM', 10_000);
    },
    logs: () => tailFile(logFile),
  };
}

/** `nginx -t -c file`: resolves with its output, rejects when the config is invalid. */
export function test(bin: string, configFile: string, prefix?: string): Promise<string> {
  const args = [...(prefix ? ['-p', `${prefix}/`] : []), '-t', '-c', configFile];
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: 20_000 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      if (error) reject(new Error(`nginx ${args.join(' ')} failed:\n${output}`));
      else resolve(output);
    });
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
