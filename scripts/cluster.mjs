// `npm run cluster`: a local Switchboard cluster as production runs it, without Docker:
// its own redis-server, N gateway nodes (TRANSPORT=redis, each with an agent-check
// port) and HAProxy with the shipped deploy/haproxy/haproxy.cfg in front.
//
//   npm run cluster                       # ws://127.0.0.1:8080/ws, stats http://127.0.0.1:8404/stats
//   npm run cluster -- --lb-port 9080 --node-ports 4001,4002 --agent-ports 4101,4102
//   MAX_CONNECTIONS=100 npm run cluster   # the nodes inherit the environment
//
// Ctrl-C drains the nodes (SIGTERM: 1012 to their clients), then stops HAProxy and Redis.
// `kill -TERM <node pid>` drains one node while the others carry on.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { haproxyConfig } from './lb-config.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = join(root, 'dist', 'apps', 'gateway', 'src', 'main.js');
const SBIN = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

const { values: args } = parseArgs({
  options: {
    'lb-port': { type: 'string', default: '8080' },
    'stats-port': { type: 'string', default: '8404' },
    'node-ports': { type: 'string', default: '3001,3002,3003' },
    'agent-ports': { type: 'string', default: '3101,3102,3103' },
    'redis-port': { type: 'string', default: '6390' },
  },
});
const port = (value, name) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) fail(`--${name}: "${value}" is not a TCP port`);
  return n;
};
const nodePorts = args['node-ports'].split(',').map((p) => port(p, 'node-ports'));
const agentPorts = args['agent-ports'].split(',').map((p) => port(p, 'agent-ports'));
if (agentPorts.length !== nodePorts.length) fail('--agent-ports needs one port per node (as many as --node-ports)');
const lbPort = port(args['lb-port'], 'lb-port');
const statsPort = port(args['stats-port'], 'stats-port');
const redisPort = port(args['redis-port'], 'redis-port');

function fail(message) {
  console.error(`cluster: ${message}`);
  process.exit(1);
}

function binary(name, aptPackage) {
  const found = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { encoding: 'utf8' }).stdout.trim();
  if (found) return found;
  const candidate = SBIN.map((dir) => join(dir, name)).find((path) => existsSync(path));
  if (candidate) return candidate;
  return fail(`${name} is not installed: apt-get install ${aptPackage}`);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `probe` resolves true; fails after `ms`. */
async function until(what, probe, ms = 30_000) {
  const deadline = Date.now() + ms;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} not ready within ${ms / 1000} s`);
    await sleep(100);
  }
}

function redisPing() {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: redisPort });
    socket.once('error', () => resolve(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (chunk) => {
      socket.destroy();
      resolve(chunk.toString().startsWith('+PONG'));
    });
  });
}

const children = [];
let stopping = false;

/** Starts a child whose output goes to this console, each line prefixed with its name. */
function start(name, command, commandArgs, env = process.env) {
  const child = spawn(command, commandArgs, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const prefix = (stream, out) => {
    let partial = '';
    stream.on('data', (chunk) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop();
      for (const line of lines) out.write(`[${name}] ${line}\n`);
    });
  };
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  const entry = { name, child, exited: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))) };
  entry.exited.then(({ code, signal }) => {
    if (!stopping) console.log(`cluster: ${name} exited (${signal ?? `code ${code}`})`);
  });
  children.push(entry);
  return entry;
}

async function stopAll(exitCode) {
  if (stopping) return;
  stopping = true;
  console.log('cluster: stopping: nodes drain first (SIGTERM), then HAProxy and Redis');
  const nodes = children.filter((c) => c.name.startsWith('gw'));
  const others = children.filter((c) => !c.name.startsWith('gw'));
  for (const group of [nodes, others]) {
    for (const { child } of group) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => group.forEach(({ child }) => child.kill('SIGKILL')), 35_000);
    await Promise.all(group.map((c) => c.exited));
    clearTimeout(timer);
  }
  rmSync(workDir, { recursive: true, force: true });
  process.exit(exitCode);
}

const redisServer = binary('redis-server', 'redis-server');
const haproxy = binary('haproxy', 'haproxy');
if (!existsSync(MAIN)) fail(`${MAIN} is missing: run \`npm run build\` (npm run cluster does)`);
const workDir = mkdtempSync(join(tmpdir(), 'switchboard-cluster-'));
process.once('SIGINT', () => void stopAll(0));
process.once('SIGTERM', () => void stopAll(0));

try {
  const redis = start('redis', redisServer, ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', workDir]);
  redis.exited.then(() => void stopAll(1));
  await until('redis-server', redisPing);

  const nodes = nodePorts.map((nodePort, i) =>
    start(`gw${i + 1}`, process.execPath, [MAIN], {
      ...process.env,
      TRANSPORT: 'redis',
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      REDIS_PREFIX: process.env.REDIS_PREFIX ?? 'cluster:',
      HOST: '127.0.0.1',
      PORT: String(nodePort),
      AGENT_PORT: String(agentPorts[i]),
      NODE_ID: `gw${i + 1}`,
    }),
  );
  for (const [i, nodePort] of nodePorts.entries()) {
    await until(`node gw${i + 1}`, async () => (await fetch(`http://127.0.0.1:${nodePort}/health/ready`)).ok);
  }

  const config = join(workDir, 'haproxy.cfg');
  writeFileSync(
    config,
    haproxyConfig({
      bind: `127.0.0.1:${lbPort}`,
      statsBind: `127.0.0.1:${statsPort}`,
      runDir: workDir,
      servers: nodePorts.map((nodePort, i) => ({ name: `gw${i + 1}`, address: `127.0.0.1:${nodePort}`, agentPort: agentPorts[i] })),
    }),
  );
  const checked = spawnSync(haproxy, ['-c', '-f', config], { encoding: 'utf8' });
  if (checked.status !== 0) throw new Error(`haproxy -c failed:\n${checked.stdout}${checked.stderr}`);
  const lb = start('haproxy', haproxy, ['-db', '-f', config]);
  lb.exited.then(() => void stopAll(1));
  await until('haproxy', async () => {
    const csv = await (await fetch(`http://127.0.0.1:${statsPort}/stats;csv`)).text();
    return nodePorts.every((_, i) => new RegExp(`^switchboard_nodes,gw${i + 1},(?:[^,]*,){15}UP,`, 'm').test(csv));
  });

  console.log(`
cluster ready: ${nodes.length} nodes on redis-server 127.0.0.1:${redisPort} behind HAProxy (${config})
  WebSocket      ws://127.0.0.1:${lbPort}/ws
  HTTP API       http://127.0.0.1:${lbPort}/api/nodes   (POST /api/publish, /api/channels, /metrics, /health/ready)
  HAProxy stats  http://127.0.0.1:${statsPort}/stats   (Prometheus: /metrics)
${nodes.map((n, i) => `  ${n.name}            http://127.0.0.1:${nodePorts[i]}  agent ${agentPorts[i]}  pid ${n.child.pid}  (drain it: kill -TERM ${n.child.pid})`).join('\n')}
Ctrl-C stops everything.`);
} catch (error) {
  console.error(`cluster: ${error instanceof Error ? error.message : String(error)}`);
  await stopAll(1);
}
