import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KafkaBroker, startKafka } from '../infra/kafka-broker.js';
import { eventually, type GatewayProcess, startGatewayProcess } from '../support/gateway-process.js';
import { TestClient } from '../support/test-client.js';
import { clusterMetric, metric, percentile, runRequests } from './support/rpc-load.js';
import { type RpcWorkerProcess, startRpcWorker } from './support/workers.js';

/**
 * RPC over a real Kafka broker: three gateway node processes (their bus on the same
 * broker), three worker processes in one consumer group, real `ws` clients spread over
 * the nodes. Tests share the cluster and run in order; the destructive ones last.
 */
// A killed worker's partitions move after its session times out (6 s) and a rebalance: the client's timeout must cover that.
const TIMEOUT_MS = 20_000;

describe('rpc over Kafka: 3 gateway nodes, 3 workers in one group', () => {
  let kafka: KafkaBroker;
  let nodes: GatewayProcess[] = [];
  let workers: RpcWorkerProcess[] = [];
  const clients: TestClient[] = [];

  const connectClients = async (perNode: number) => {
    const connected: TestClient[] = [];
    for (const node of nodes) for (let i = 0; i < perNode; i++) connected.push(await TestClient.connect(node.ws));
    clients.push(...connected);
    return connected;
  };

  beforeAll(async () => {
    kafka = await startKafka();
    const env = {
      TRANSPORT: 'kafka',
      KAFKA_BROKERS: kafka.brokers,
      KAFKA_TOPIC: 'rpc-test.broadcast',
      KAFKA_PARTITIONS: '3',
      RPC_BACKEND: 'kafka',
      RPC_KAFKA_PARTITIONS: '12',
      RPC_TIMEOUT_MS: String(TIMEOUT_MS),
      RATE_LIMIT_PER_SEC: '100000',
      RATE_LIMIT_BURST: '100000',
    };
    nodes = await Promise.all(['a', 'b', 'c'].map((name) => startGatewayProcess({ ...env, NODE_ID: `kafka-${name}` })));
    for (const node of nodes) await eventually(async () => (await metric(node.http, 'switchboard_rpc_backend_ready')) === 1, 60_000);
    const workerEnv = { RPC_BACKEND: 'kafka', RPC_KAFKA_BROKERS: kafka.brokers, RPC_KAFKA_SESSION_TIMEOUT_MS: '6000' };
    workers = await Promise.all(['w1', 'w2', 'w3'].map((name) => startRpcWorker(name, workerEnv, 60_000)));
  });

  afterAll(async () => {
    clients.forEach((client) => client.close());
    await Promise.all([...nodes.map((node) => node.kill()), ...workers.map((worker) => worker.kill())]);
    await kafka?.stop();
  });

  it('1,000 requests from 30 clients on 3 nodes: each answered exactly once, to the client that asked, spread over the 3 workers', async () => {
    const connected = await connectClients(10);
    // Until the group has settled on 3 members, partitions move: warm up first.
    await eventually(async () => {
      const warm = await runRequests(connected.slice(0, 3), 30, { window: 2 });
      return warm.answers.length === 30 && new Set(warm.answers.map((answer) => answer.frame.data.worker)).size === 3;
    }, 60_000, 500);
    const run = await runRequests(connected, 1000, { window: 4 });
    expect(run.unanswered).toEqual([]);
    expect(run.errors).toEqual({});
    expect(run.answers).toHaveLength(1000);
    expect(run.misrouted).toEqual([]);
    expect(run.duplicates).toBe(0);
    const byWorker = new Map<string, number>();
    for (const answer of run.answers) byWorker.set(answer.frame.data.worker, (byWorker.get(answer.frame.data.worker) ?? 0) + 1);
    expect([...byWorker.keys()].sort()).toEqual(['w1', 'w2', 'w3']);
    for (const answer of run.answers) expect(answer.frame.data.node).toBe(connected[answer.client]!.welcome.data.node);
    console.log(`[rpc kafka] 1000 requests, 30 clients x 4 in flight: p50 ${percentile(run.latencies, 50).toFixed(1)} ms, p99 ${percentile(run.latencies, 99).toFixed(1)} ms; per worker ${JSON.stringify(Object.fromEntries(byWorker))}`);
  });

  it('a worker SIGKILLed under load: every request still answered exactly once; its uncommitted requests were handled again by the others', async () => {
    const connected = await connectClients(10);
    const victim = workers[0]!;
    let killed: Promise<unknown> | undefined;
    const run = await runRequests(connected, 600, {
      method: 'test.slow',
      window: 4,
      payload: () => ({ ms: 20 }),
      answerTimeoutMs: TIMEOUT_MS + 5000,
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
    // Everything the victim had started and not answered was answered by a survivor (its offsets were never committed).
    const orphaned = [...dead.received.keys()].filter((id) => !dead.done.has(id));
    for (const id of orphaned) expect(survivors.some((log) => log.done.has(id)), `request ${id} answered by a survivor`).toBe(true);
    // Answered by the victim but not yet committed: handled again, the second reply dropped by the node.
    const answeredTwice = [...dead.done].filter((id) => survivors.some((log) => log.done.has(id))).length;
    expect(orphaned.length + answeredTwice, 'the victim had uncommitted requests that the others handled again').toBeGreaterThan(0);
    const duplicatesDropped = await clusterMetric(nodes, 'switchboard_rpc_late_replies_total', { backend: 'kafka', reason: 'duplicate' });
    expect(duplicatesDropped).toBeLessThanOrEqual(answeredTwice);
    console.log(
      `[rpc kafka] worker kill: 600 requests, 600 answered once (p99 ${percentile(run.latencies, 99).toFixed(0)} ms, max ${Math.max(...run.latencies).toFixed(0)} ms), ` +
        `${orphaned.length} in flight on the killed worker handled again by the others, ${answeredTwice} answered twice (second reply dropped: ${duplicatesDropped})`,
    );
  });

  it('the broker stopped: RPC_UNAVAILABLE at once while it is down, answers again once it is back', async () => {
    const [client] = await connectClients(1);
    await kafka.stop();
    await eventually(async () => (await clusterMetric(nodes, 'switchboard_rpc_backend_ready')) === 0, 15_000, 200);
    const began = Date.now();
    const down = await Promise.all([0, 1, 2].map((i) => client!.request('rpc', { method: 'test.echo', payload: i })));
    expect(down.map((frame) => frame.data.code)).toEqual(['RPC_UNAVAILABLE', 'RPC_UNAVAILABLE', 'RPC_UNAVAILABLE']);
    expect(Date.now() - began).toBeLessThan(1000);
    await kafka.restart();
    const back = Date.now();
    for (const node of nodes) await eventually(async () => (await metric(node.http, 'switchboard_rpc_backend_ready')) === 1, 60_000, 200);
    // Workers rejoin their group; requests sent meanwhile wait in the log for them.
    const run = await runRequests([client!], 20, { window: 4, answerTimeoutMs: TIMEOUT_MS + 5000 });
    expect(run.errors).toEqual({});
    expect(run.answers).toHaveLength(20);
    console.log(`[rpc kafka] broker back after ${kafka.startupMs} ms; nodes ready and 20 requests answered ${Date.now() - back} ms later`);
  });

  it('with every worker gone, requests time out and nothing stays pending', async () => {
    await Promise.all(workers.map((worker) => worker.kill()));
    expect(await clusterMetric(nodes, 'switchboard_rpc_pending')).toBe(0);
  });
});
