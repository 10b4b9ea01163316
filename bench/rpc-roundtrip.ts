// RPC round trip per backend at a fixed rate: client → node → queue/HTTP → worker → node →
// client, latency p50/p99, and the gateway node's CPU per request (from /proc, net of the
// node's idle CPU over as long). One node (memory bus: the bus plays no part in RPC), one
// worker process (test/rpc/support/rpc-worker.mts, method test.echo), 10 clients.
//
//   node --import ./bench/register.mjs bench/rpc-roundtrip.ts [--rate 200] [--seconds 10] [--backends http,amqp,kafka]
//
// Needs RabbitMQ on 127.0.0.1:5672 for amqp (a vhost of its own, deleted after) and starts
// its own Kafka broker (test/infra). Prints a table and writes bench/results/rpc-roundtrip.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startKafka } from '../test/infra/kafka-broker.js';
import { sleep } from '../test/infra/managed-process.js';
import { sharedRabbitVhost } from '../test/infra/rabbitmq.js';
import { eventually, startGatewayProcess } from '../test/support/gateway-process.js';
import { WebSocket } from 'ws';
import { metric, percentile } from '../test/rpc/support/rpc-load.js';
import { startRpcWorker } from '../test/rpc/support/workers.js';
import { cpuMicros } from './lib/proc-stats.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { rate: { type: 'string', default: '200' }, seconds: { type: 'string', default: '10' }, backends: { type: 'string', default: 'http,amqp,kafka' } } });
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const CLIENTS = 10;

interface Result {
  backend: string;
  rate: number;
  requests: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  nodeCpuMicrosPerRequest: number;
  nodeIdleCpuPercent: number;
  nodeCpuPercent: number;
}

async function measure(backend: string, nodeEnv: Record<string, string>, workerEnv: Record<string, string>): Promise<Result> {
  const worker = await startRpcWorker(`bench-${backend}`, { ...workerEnv, RPC_WORKER_PORT: '0' }, 60_000);
  const env = backend === 'http' ? { ...nodeEnv, RPC_HTTP_URL: `http://127.0.0.1:${worker.port}/rpc` } : nodeEnv;
  const node = await startGatewayProcess({ ...env, NODE_ID: `bench-${backend}`, RATE_LIMIT_PER_SEC: '100000', RATE_LIMIT_BURST: '100000', RPC_MAX_IN_FLIGHT: '1000' });
  try {
    await eventually(async () => (await metric(node.http, 'switchboard_rpc_backend_ready')) === 1, 60_000);
    const clients = await Promise.all(
      Array.from(
        { length: CLIENTS },
        () =>
          new Promise<WebSocket>((resolve, reject) => {
            const socket = new WebSocket(node.ws);
            socket.once('open', () => resolve(socket));
            socket.once('error', reject);
          }),
      ),
    );
    const pending = new Map<string, number>();
    const latencies: number[] = [];
    let errors = 0;
    for (const client of clients) {
      client.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString()) as { event: string; id?: string };
        if (frame.id === undefined) return;
        const began = pending.get(frame.id);
        if (began === undefined) return;
        pending.delete(frame.id);
        if (frame.event === 'rpc_result') latencies.push(performance.now() - began);
        else errors++;
      });
    }
    const fire = async (count: number, tag: string) => {
      const interval = 1000 / rate;
      const start = performance.now();
      for (let i = 0; i < count; i++) {
        const due = start + i * interval;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
        const id = `${tag}-${i}`;
        pending.set(id, performance.now());
        clients[i % CLIENTS]!.send(JSON.stringify({ event: 'rpc', data: { method: 'test.echo', payload: { i, pad: 'x'.repeat(64) } }, id }));
      }
      await eventually(() => pending.size === 0, 30_000, 20);
    };
    // Warm-up (JIT, connections, the worker's group), then idle CPU, then the measured run.
    await fire(Math.min(500, rate * 2), 'warm');
    latencies.length = 0;
    errors = 0;
    const idleBefore = cpuMicros(node.process.pid)!;
    const idleStart = performance.now();
    await sleep(seconds * 1000);
    const idleMicrosPerSecond = (cpuMicros(node.process.pid)! - idleBefore) / ((performance.now() - idleStart) / 1000);
    const cpuBefore = cpuMicros(node.process.pid)!;
    const runStart = performance.now();
    const requests = rate * seconds;
    await fire(requests, 'run');
    const runSeconds = (performance.now() - runStart) / 1000;
    const busy = cpuMicros(node.process.pid)! - cpuBefore;
    clients.forEach((client) => client.close());
    return {
      backend,
      rate,
      requests,
      errors,
      p50Ms: round(percentile(latencies, 50)),
      p99Ms: round(percentile(latencies, 99)),
      maxMs: round(Math.max(...latencies)),
      nodeCpuMicrosPerRequest: Math.round((busy - idleMicrosPerSecond * runSeconds) / requests),
      nodeIdleCpuPercent: round(idleMicrosPerSecond / 1e4),
      nodeCpuPercent: round(busy / runSeconds / 1e4),
    };
  } finally {
    await node.kill();
    await worker.kill();
  }
}

const round = (value: number) => Math.round(value * 100) / 100;

execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'ignore' });
const results: Result[] = [];
for (const backend of values.backends!.split(',')) {
  if (backend === 'http') {
    results.push(await measure('http', { RPC_BACKEND: 'http', RPC_HTTP_URL: 'http://127.0.0.1:1/rpc' }, { RPC_BACKEND: 'http' }));
  } else if (backend === 'amqp') {
    const vhost = await sharedRabbitVhost();
    try {
      results.push(await measure('amqp', { RPC_BACKEND: 'amqp', RPC_AMQP_URL: vhost.url }, { RPC_BACKEND: 'amqp', RPC_AMQP_URL: vhost.url }));
    } finally {
      await vhost.stop();
    }
  } else if (backend === 'kafka') {
    const kafka = await startKafka();
    try {
      results.push(await measure('kafka', { RPC_BACKEND: 'kafka', RPC_KAFKA_BROKERS: kafka.brokers }, { RPC_BACKEND: 'kafka', RPC_KAFKA_BROKERS: kafka.brokers }));
    } finally {
      await kafka.stop();
    }
  }
  console.log(JSON.stringify(results.at(-1)));
}

console.log(`\nRPC round trip at ${rate} req/s for ${seconds} s, 10 clients on one node, one worker (test.echo):\n`);
console.log('| backend | requests | errors | p50 ms | p99 ms | max ms | node CPU µs/request (net of idle) | node CPU % (idle %) |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of results) console.log(`| ${r.backend} | ${r.requests} | ${r.errors} | ${r.p50Ms} | ${r.p99Ms} | ${r.maxMs} | ${r.nodeCpuMicrosPerRequest} | ${r.nodeCpuPercent} (${r.nodeIdleCpuPercent}) |`);
mkdirSync(join(root, 'bench', 'results'), { recursive: true });
writeFileSync(join(root, 'bench', 'results', 'rpc-roundtrip.json'), `${JSON.stringify({ rate, seconds, clients: CLIENTS, results }, null, 2)}\n`);
process.exit(0);
