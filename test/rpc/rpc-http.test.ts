import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../infra/redis-server.js';
import { eventually, type GatewayProcess, startGatewayProcess } from '../support/gateway-process.js';
import { type InProcessNode, startInProcessNode } from '../support/in-process-node.js';
import { TestClient } from '../support/test-client.js';
import { hsToken, SECRET } from '../support/tokens.js';
import { clusterMetric, metric, percentile, runRequests } from './support/rpc-load.js';
import { type RpcWorkerProcess, startRpcWorker } from './support/workers.js';

/**
 * RPC over HTTP: three gateway node processes POST to three real HTTP worker processes
 * (round-robin, the next one on a connection failure); then the protocol's edges on
 * in-process nodes: token methods, MessagePack bytes, limits, no backend.
 */
describe('rpc over HTTP: 3 gateway nodes, 3 HTTP back ends', () => {
  let redis: RedisServer;
  let nodes: GatewayProcess[] = [];
  let workers: RpcWorkerProcess[] = [];
  const clients: TestClient[] = [];
  const extra: InProcessNode[] = [];

  const connectClients = async (perNode: number) => {
    const connected: TestClient[] = [];
    for (const node of nodes) for (let i = 0; i < perNode; i++) connected.push(await TestClient.connect(node.ws));
    clients.push(...connected);
    return connected;
  };

  beforeAll(async () => {
    [redis, ...workers] = (await Promise.all([startRedis(), ...['h1', 'h2', 'h3'].map((name) => startRpcWorker(name, { RPC_BACKEND: 'http', RPC_WORKER_PORT: '0' }))])) as [
      RedisServer,
      ...RpcWorkerProcess[],
    ];
    const urls = workers.map((worker) => `http://127.0.0.1:${worker.port}/rpc`).join(',');
    const env = { TRANSPORT: 'redis', REDIS_URL: redis.url, RPC_BACKEND: 'http', RPC_HTTP_URL: urls, RPC_TIMEOUT_MS: '5000', RATE_LIMIT_PER_SEC: '100000', RATE_LIMIT_BURST: '100000' };
    nodes = await Promise.all(['a', 'b', 'c'].map((name) => startGatewayProcess({ ...env, NODE_ID: `http-${name}` })));
    for (const node of nodes) await eventually(async () => (await metric(node.http, 'switchboard_rpc_backend_ready')) === 1);
  });

  afterAll(async () => {
    clients.forEach((client) => client.close());
    await Promise.all([...extra.map((node) => node.close()), ...nodes.map((node) => node.kill()), ...workers.map((worker) => worker.kill())]);
    await redis?.stop();
  });

  it('1,000 requests from 30 clients on 3 nodes: each answered exactly once, to the client that asked, by the 3 back ends', async () => {
    const connected = await connectClients(10);
    const run = await runRequests(connected, 1000, { window: 4 });
    expect(run.unanswered).toEqual([]);
    expect(run.errors).toEqual({});
    expect(run.answers).toHaveLength(1000);
    expect(run.misrouted).toEqual([]);
    expect(run.duplicates).toBe(0);
    const byWorker = new Map<string, number>();
    for (const answer of run.answers) byWorker.set(answer.frame.data.worker, (byWorker.get(answer.frame.data.worker) ?? 0) + 1);
    expect([...byWorker.keys()].sort()).toEqual(['h1', 'h2', 'h3']);
    expect(await clusterMetric(nodes, 'switchboard_rpc_requests_total', { backend: 'http', outcome: 'ok' })).toBe(1000);
    console.log(`[rpc http] 1000 requests, 30 clients x 4 in flight: p50 ${percentile(run.latencies, 50).toFixed(1)} ms, p99 ${percentile(run.latencies, 99).toFixed(1)} ms; per back end ${JSON.stringify(Object.fromEntries(byWorker))}`);
  });

  it('a back end SIGKILLed under load: every request still answered once (a failed connection moves on to the next back end)', async () => {
    const connected = await connectClients(5);
    let killed: Promise<unknown> | undefined;
    const run = await runRequests(connected, 300, {
      method: 'test.slow',
      payload: () => ({ ms: 10 }),
      onAnswer: (answered) => {
        if (answered === 80) killed = workers[0]!.kill();
      },
    });
    await killed;
    expect(run.unanswered).toEqual([]);
    expect(run.errors).toEqual({});
    expect(run.answers).toHaveLength(300);
    expect(run.duplicates).toBe(0);
    expect(run.answers.slice(-50).every((answer) => answer.frame.data.worker !== 'h1')).toBe(true);
  });

  it('token methods: allowed by the rpc claim, FORBIDDEN otherwise; the worker sees the user', async () => {
    const urls = workers.slice(1).map((worker) => `http://127.0.0.1:${worker.port}/rpc`).join(',');
    const node = await startInProcessNode({ AUTH_JWT_SECRET: SECRET, RPC_BACKEND: 'http', RPC_HTTP_URL: urls });
    extra.push(node);
    const alice = await TestClient.connect(node.ws, { headers: { authorization: `Bearer ${await hsToken({ sub: 'alice', rpc: ['test.echo'] })}` } });
    const bob = await TestClient.connect(node.ws, { headers: { authorization: `Bearer ${await hsToken({ sub: 'bob', channels: ['*'] })}` } });
    clients.push(alice, bob);
    expect(await alice.request('rpc', { method: 'test.echo', payload: 1 }, 1)).toMatchObject({ event: 'rpc_result', id: 1, data: { echo: 1, userId: 'alice', connectionId: alice.welcome.data.connectionId } });
    expect(await alice.request('rpc', { method: 'test.fail' }, 2)).toMatchObject({ event: 'error', id: 2, data: { code: 'FORBIDDEN' } });
    expect(await bob.request('rpc', { method: 'test.echo' }, 3)).toMatchObject({ event: 'error', id: 3, data: { code: 'FORBIDDEN' } });
  });

  it('MessagePack clients send and get bytes; payloads over RPC_MAX_PAYLOAD_BYTES are refused; a bad method is BAD_REQUEST', async () => {
    const node = await startInProcessNode({ RPC_BACKEND: 'http', RPC_HTTP_URL: `http://127.0.0.1:${workers[1]!.port}/rpc`, RPC_MAX_PAYLOAD_BYTES: '1024' });
    extra.push(node);
    const packed = await TestClient.connect(node.ws, { format: 'msgpack' });
    const json = await TestClient.connect(node.ws);
    clients.push(packed, json);
    const bytes = new Uint8Array([0, 1, 2, 254, 255]);
    const reply = await packed.request('rpc', { method: 'test.echo', payload: { bytes } }, 'b');
    expect(reply.event).toBe('rpc_result');
    expect(new Uint8Array(reply.data.echo.bytes)).toEqual(bytes);
    expect(await json.request('rpc', { method: 'test.echo', payload: { bytes: { $binary: 'AAEC' } } }, 'j')).toMatchObject({ data: { echo: { bytes: { $binary: 'AAEC' } } } });
    expect(await json.request('rpc', { method: 'test.echo', payload: 'x'.repeat(2000) }, 'big')).toMatchObject({ event: 'error', id: 'big', data: { code: 'RPC_PAYLOAD_TOO_LARGE' } });
    expect(await json.request('rpc', { method: 'no spaces' }, 'm')).toMatchObject({ event: 'error', id: 'm', data: { code: 'BAD_REQUEST' } });
    expect(await json.request('rpc', { payload: 1 }, 'n')).toMatchObject({ event: 'error', id: 'n', data: { code: 'BAD_REQUEST' } });
  });

  it('RPC_UNAVAILABLE at once when no back end answers, and on a node without an RPC backend', async () => {
    const closed = await startInProcessNode({ RPC_BACKEND: 'http', RPC_HTTP_URL: `http://127.0.0.1:${workers[0]!.port}/rpc` }); // h1 was killed
    const none = await startInProcessNode({});
    extra.push(closed, none);
    const [a, b] = [await TestClient.connect(closed.ws), await TestClient.connect(none.ws)];
    clients.push(a, b);
    const began = Date.now();
    expect(await a.request('rpc', { method: 'test.echo' }, 1)).toMatchObject({ event: 'error', id: 1, data: { code: 'RPC_UNAVAILABLE' } });
    expect(Date.now() - began).toBeLessThan(1000);
    expect(await b.request('rpc', { method: 'test.echo' }, 2)).toMatchObject({ event: 'error', id: 2, data: { code: 'RPC_UNAVAILABLE', message: expect.stringMatching(/RPC_BACKEND/) } });
  });
});
