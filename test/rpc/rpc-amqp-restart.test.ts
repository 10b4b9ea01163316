import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RabbitServer, startRabbitMq } from '../infra/rabbitmq.js';
import { eventually, type GatewayProcess, startGatewayProcess } from '../support/gateway-process.js';
import { TestClient } from '../support/test-client.js';
import { metric, runRequests } from './support/rpc-load.js';
import { type RpcWorkerProcess, startRpcWorker } from './support/workers.js';

/** RPC through a private RabbitMQ node that the test stops and starts again. */
describe('rpc over RabbitMQ: the broker restarted', () => {
  let rabbit: RabbitServer;
  let node: GatewayProcess;
  let workers: RpcWorkerProcess[] = [];
  let client: TestClient;

  beforeAll(async () => {
    rabbit = await startRabbitMq();
    const env = { RPC_BACKEND: 'amqp', RPC_AMQP_URL: rabbit.url, RPC_TIMEOUT_MS: '4000', RATE_LIMIT_PER_SEC: '100000', RATE_LIMIT_BURST: '100000' };
    node = await startGatewayProcess({ ...env, NODE_ID: 'amqp-restart' });
    workers = await Promise.all(['r1', 'r2'].map((name) => startRpcWorker(name, { RPC_BACKEND: 'amqp', RPC_AMQP_URL: rabbit.url })));
    await eventually(async () => (await metric(node.http, 'switchboard_rpc_backend_ready')) === 1, 20_000);
    client = await TestClient.connect(node.ws);
  });

  afterAll(async () => {
    client?.close();
    await Promise.all([node?.kill(), ...workers.map((worker) => worker.kill())]);
    await rabbit?.stop();
  });

  it('answers before; RPC_UNAVAILABLE at once while the broker is down (or RPC_TIMEOUT for what was in flight); answers again after, without restarting anything', async () => {
    const before = await runRequests([client], 50, { window: 5 });
    expect(before.errors, JSON.stringify(before.answers.filter((answer) => answer.frame.event !== 'rpc_result').map((answer) => answer.frame))).toEqual({});
    expect(before.answers).toHaveLength(50);

    // In flight when the broker stops: each gets one answer, whatever it is.
    const during = runRequests([client], 20, { method: 'test.slow', payload: () => ({ ms: 200 }), window: 10 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await rabbit.stop();
    const inFlight = await during;
    expect(inFlight.answers).toHaveLength(20);
    expect(inFlight.duplicates).toBe(0);
    for (const code of Object.keys(inFlight.errors)) expect(['RPC_UNAVAILABLE', 'RPC_TIMEOUT']).toContain(code);

    await eventually(async () => (await metric(node.http, 'switchboard_rpc_backend_ready')) === 0, 10_000, 100);
    const began = Date.now();
    const down = await runRequests([client], 10, { window: 10 });
    expect(down.errors, JSON.stringify(down.answers.map((answer) => answer.frame))).toEqual({ RPC_UNAVAILABLE: 10 });
    expect(Date.now() - began).toBeLessThan(2000);

    await rabbit.restart();
    const restarted = Date.now();
    await eventually(async () => (await metric(node.http, 'switchboard_rpc_backend_ready')) === 1, 20_000, 100);
    // The workers reconnect on their own too.
    await eventually(async () => (await runRequests([client], 5, { window: 5, answerTimeoutMs: 6000 })).answers.every((answer) => answer.frame.event === 'rpc_result'), 20_000, 200);
    const after = await runRequests([client], 50, { window: 5 });
    expect(after.errors).toEqual({});
    expect(after.answers).toHaveLength(50);
    console.log(`[rpc amqp] broker restarted in ${rabbit.startupMs} ms; answering again ${Date.now() - restarted} ms after it was up; in flight at the stop: ${JSON.stringify(inFlight.errors)}, ${inFlight.latencies.length} answered`);
  });
});
