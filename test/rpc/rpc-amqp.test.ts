import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getJson } from '../support/http.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../infra/managed-process.js';
import { type RabbitVhost, sharedRabbitVhost } from '../infra/rabbitmq.js';
import { type RedisServer, startRedis } from '../infra/redis-server.js';
import { eventually, type GatewayProcess, startGatewayProcess } from '../support/gateway-process.js';
import { TestClient } from '../support/test-client.js';
import { clusterMetric, metric, percentile, runRequests } from './support/rpc-load.js';
import { type RpcWorkerProcess, startRpcWorker } from './support/workers.js';

/**
 * RPC over a real RabbitMQ (the machine's, in a vhost of this run's own): three gateway
 * node processes on a Redis bus, three worker processes on @switchboard/worker, real
 * `ws` clients spread over the nodes. Tests share the cluster and run in order; the
 * destructive ones last.
 */
const TIMEOUT_MS = 5000;
const MAX_IN_FLIGHT = 16;

describe('rpc over RabbitMQ: 3 gateway nodes, 3 workers', () => {
  let vhost: RabbitVhost;
  let redis: RedisServer;
  let nodes: GatewayProcess[] = [];
  let workers: RpcWorkerProcess[] = [];
  const clients: TestClient[] = [];
  let workerEnv: Record<string, string>;

  const connectClients = async (perNode: number) => {
    const connected: TestClient[] = [];
    for (const node of nodes) for (let i = 0; i < perNode; i++) connected.push(await TestClient.connect(node.ws));
    clients.push(...connected);
    return connected;
  };

  beforeAll(async () => {
    [vhost, redis] = await Promise.all([sharedRabbitVhost(), startRedis()]);
    const env = {
      TRANSPORT: 'redis',
      REDIS_URL: redis.url,
      RPC_BACKEND: 'amqp',
      RPC_AMQP_URL: vhost.url,
      RPC_TIMEOUT_MS: String(TIMEOUT_MS),
      RPC_MAX_IN_FLIGHT: String(MAX_IN_FLIGHT),
      RPC_EVENTS: 'connect,disconnect,subscribe',
      RATE_LIMIT_PER_SEC: '100000',
      RATE_LIMIT_BURST: '100000',
    };
    workerEnv = { RPC_BACKEND: 'amqp', RPC_AMQP_URL: vhost.url, RPC_WORKER_PREFETCH: '8' };
    const started = await Promise.all([
      ...['a', 'b', 'c'].map((name) => startGatewayProcess({ ...env, NODE_ID: `amqp-${name}` })),
      ...['w1', 'w2', 'w3'].map((name) => startRpcWorker(name, workerEnv)),
    ]);
    nodes = started.slice(0, 3) as GatewayProcess[];
    workers = started.slice(3) as RpcWorkerProcess[];
    for (const node of nodes) await eventually(async () => (await metric(node.http, 'switchboard_rpc_backend_ready')) === 1, 20_000);
  });

  afterAll(async () => {
    clients.forEach((client) => client.close());
    await Promise.all([...nodes.map((node) => node.kill()), ...workers.map((worker) => worker.kill())]);
    await Promise.all([vhost?.stop(), redis?.stop()]);
  });

  it('1,000 requests from 30 clients on 3 nodes: each answered exactly once, to the client that asked, spread over the 3 workers', async () => {
    const connected = await connectClients(10);
    const run = await runRequests(connected, 1000, { window: 4 });
    expect(run.unanswered).toEqual([]);
    expect(run.errors).toEqual({});
    expect(run.answers).toHaveLength(1000);
    expect(run.misrouted).toEqual([]);
    expect(run.duplicates).toBe(0);
    const byWorker = new Map<string, number>();
    for (const answer of run.answers) byWorker.set(answer.frame.data.worker, (byWorker.get(answer.frame.data.worker) ?? 0) + 1);
    expect([...byWorker.keys()].sort()).toEqual(['w1', 'w2', 'w3']);
    // Each reply came back through the node its client is on.
    for (const answer of run.answers) expect(answer.frame.data.node).toBe(connected[answer.client]!.welcome.data.node);
    expect(await clusterMetric(nodes, 'switchboard_rpc_requests_total', { backend: 'amqp', method_class: 'test', outcome: 'ok' })).toBe(1000);
    console.log(`[rpc amqp] 1000 requests, 30 clients x 4 in flight: p50 ${percentile(run.latencies, 50).toFixed(1)} ms, p99 ${percentile(run.latencies, 99).toFixed(1)} ms; per worker ${JSON.stringify(Object.fromEntries(byWorker))}`);
  });

  it("a worker's own error reaches the client as RPC_ERROR with its code, message and data; the reply carries the request id", async () => {
    const [client] = await connectClients(1);
    const reply = await client!.request('rpc', { method: 'test.fail', payload: { why: 'test' } }, 'fail-1');
    expect(reply).toEqual({
      event: 'error',
      id: 'fail-1',
      data: { code: 'RPC_ERROR', message: 'asked to fail', error: { code: 'TEST_FAILURE', message: 'asked to fail', data: { got: { why: 'test' } } } },
    });
    const unknown = await client!.request('rpc', { method: 'test.nope' }, 7);
    expect(unknown).toMatchObject({ event: 'error', id: 7, data: { code: 'RPC_ERROR', error: { code: 'METHOD_NOT_FOUND' } } });
  });

  it('connection events reach the workers: connect, subscribe, disconnect', async () => {
    const client = await TestClient.connect(nodes[1]!.ws);
    const id = client.welcome.data.connectionId as string;
    await client.subscribe('rpc-events');
    client.close();
    await client.closed;
    await eventually(() => {
      const seen = workers.flatMap((worker) => worker.log().events).filter((line) => line.includes(id));
      return seen.length === 3 ? seen : undefined;
    });
    const seen = workers.flatMap((worker) => worker.log().events).filter((line) => line.includes(id)).map((line) => line.split(' ')[0]);
    expect(seen.sort()).toEqual(['connect', 'disconnect', 'subscribe']);
  });

  it('a worker SIGKILLed under load: every request still answered exactly once; its unacknowledged requests were redelivered to the others', async () => {
    const connected = await connectClients(10);
    const victim = workers[0]!;
    let killed: Promise<unknown> | undefined;
    const run = await runRequests(connected, 600, {
      method: 'test.slow',
      window: 4,
      payload: () => ({ ms: 20 }),
      onAnswer: (answered) => {
        if (answered === 150) killed = victim.kill();
      },
    });
    await killed;
    expect(run.unanswered).toEqual([]);
    expect(run.errors).toEqual({});
    expect(run.answers).toHaveLength(600);
    expect(run.misrouted).toEqual([]);
    expect(run.duplicates).toBe(0);
    const dead = victim.log();
    const survivors = workers.slice(1).map((worker) => worker.log());
    // What RabbitMQ redelivered: the requests the victim held unacknowledged when it died.
    const redelivered = survivors.flatMap((log) => [...log.received].filter(([, again]) => again).map(([id]) => id));
    expect(redelivered.length).toBeGreaterThan(0);
    // Those it had taken and not answered were redelivered and answered by a survivor (it may also
    // have held some in its socket buffer, unlogged, when it died: those are redelivered too)...
    const orphaned = [...dead.received.keys()].filter((id) => !dead.done.has(id));
    expect(redelivered).toEqual(expect.arrayContaining(orphaned));
    for (const id of orphaned) expect(survivors.some((log) => log.done.has(id) && log.received.get(id) === true), `request ${id} answered by a survivor after redelivery`).toBe(true);
    // ...and those it had answered but not acked (killed between its reply and its ack) were answered twice: the second reply was dropped.
    const answeredTwice = [...dead.done].filter((id) => survivors.some((log) => log.done.has(id))).length;
    const duplicatesDropped = await clusterMetric(nodes, 'switchboard_rpc_late_replies_total', { backend: 'amqp', reason: 'duplicate' });
    // (At most: a worker killed after logging its reply but before sending it was answered once.)
    expect(duplicatesDropped).toBeLessThanOrEqual(answeredTwice);
    const redeliveries = await clusterMetric(nodes, 'switchboard_rpc_redeliveries_total', { backend: 'amqp' });
    expect(redeliveries).toBe(redelivered.length);
    console.log(
      `[rpc amqp] worker kill: 600 requests, 600 answered once (p99 ${percentile(run.latencies, 99).toFixed(0)} ms), ${redelivered.length} unacked on the killed worker redelivered to the others (${orphaned.length} of them unanswered by it), ` +
        `${answeredTwice} answered twice (second reply dropped: ${duplicatesDropped}), redelivery replies ${redeliveries}`,
    );
  });

  it('a node loads amqplib for RPC_BACKEND=amqp, and not kafkajs', async () => {
    const log = join(makeTempDir('switchboard-loads-'), 'loads.txt');
    const recorder = fileURLToPath(new URL('../support/record-loads.mjs', import.meta.url));
    const node = await startGatewayProcess({ RPC_BACKEND: 'amqp', RPC_AMQP_URL: vhost.url, RECORD_LOADS_TO: log, NODE_OPTIONS: `--import=${recorder}` });
    await eventually(async () => (await metric(node.http, 'switchboard_rpc_backend_ready')) === 1);
    await node.kill();
    const packages = new Set(readFileSync(log, 'utf8').split('\n').map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1]));
    expect(packages.has('amqplib')).toBe(true);
    expect(packages.has('kafkajs')).toBe(false);
  });

  it('with every worker gone: RPC_TIMEOUT after RPC_TIMEOUT_MS, RPC_TOO_MANY_IN_FLIGHT past the limit, nothing left pending on the node, the queue drops what expired', async () => {
    await Promise.all(workers.map((worker) => worker.kill()));
    const [client] = await connectClients(1);
    const began = Date.now();
    for (let i = 0; i <= MAX_IN_FLIGHT; i++) client!.send({ event: 'rpc', data: { method: 'test.echo', payload: i }, id: `gone-${i}` });
    const answers = await client!.collect((frame) => String(frame.id).startsWith('gone-'), MAX_IN_FLIGHT + 1, TIMEOUT_MS + 5000);
    expect(Date.now() - began).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    // Replies keep request order: the refusal of the 17th comes after the 16 timeouts.
    expect(answers.map((frame) => frame.data.code)).toEqual([...Array(MAX_IN_FLIGHT).fill('RPC_TIMEOUT'), 'RPC_TOO_MANY_IN_FLIGHT']);
    expect(answers.map((frame) => frame.id)).toEqual(Array.from({ length: MAX_IN_FLIGHT + 1 }, (_, i) => `gone-${i}`));
    // The cluster view (what the dashboard shows) reports the timeouts of node A on every node.
    await eventually(async () => {
      const view = (await getJson(`${nodes[2]!.http}/api/nodes`)).body as Array<{ id: string; rpcPerSec: number; rpcTimeoutsPerSec: number }>;
      const a = view.find((node) => node.id === 'amqp-a');
      return a !== undefined && a.rpcTimeoutsPerSec > 0 && a.rpcPerSec >= a.rpcTimeoutsPerSec;
    }, 8000);
    // A client that leaves with requests pending takes them with it.
    const leaver = await TestClient.connect(nodes[0]!.ws);
    for (let i = 0; i < 5; i++) leaver.send({ event: 'rpc', data: { method: 'test.echo' }, id: i });
    await eventually(async () => (await metric(nodes[0]!.http, 'switchboard_rpc_pending')) === 5);
    leaver.close();
    await eventually(async () => (await clusterMetric(nodes, 'switchboard_rpc_pending')) === 0);
    expect(await clusterMetric(nodes, 'switchboard_rpc_requests_total', { outcome: 'cancelled' })).toBe(5);
    // Requests nobody took expire in the queue (per-message TTL = the client's timeout).
    await eventually(async () => (await vhost.queues()).get('switchboard.rpc.requests')?.ready === 0, 10_000, 250);
  });
});
