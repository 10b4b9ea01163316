import { describe, expect, it, vi } from 'vitest';
import { MetricsService } from '#libs/metrics';
import type { RpcBackendClient, RpcBackendContext } from './backend.js';
import { rpcBackends } from './backends.js';
import type { RpcEventEnvelope, RpcRequestEnvelope } from './envelope.js';
import { parseReply } from './envelope.js';
import { RpcUnavailableError } from './errors.js';
import { MethodClasses } from './method-class.js';
import type { RpcConfig } from './rpc-config.js';
import { RpcService } from './rpc.service.js';

class FakeBackend implements RpcBackendClient {
  readonly name = 'fake';
  ready = true;
  sent: RpcRequestEnvelope[] = [];
  events: RpcEventEnvelope[] = [];
  refuse = false;
  constructor(readonly context: RpcBackendContext) {}
  async start() {}
  async stop() {}
  async send(request: RpcRequestEnvelope) {
    if (this.refuse) throw new RpcUnavailableError('queue says no');
    this.sent.push(request);
  }
  async sendEvent(event: RpcEventEnvelope) {
    this.events.push(event);
  }
  reply(id: string, body: object) {
    this.context.onReply({ v: 1, type: 'reply', id, ...body });
  }
}

async function service(overrides: Partial<RpcConfig> = {}) {
  let backend!: FakeBackend;
  vi.spyOn(rpcBackends.http, 'create').mockImplementation(async (_options, context) => (backend = new FakeBackend(context)));
  const metrics = new MetricsService();
  const config: RpcConfig = {
    nodeId: 'n1',
    backend: { kind: 'http', options: { urls: ['http://x'], maxSockets: 1 } },
    timeoutMs: 200,
    maxInFlight: 2,
    maxPending: 3,
    maxPayloadBytes: 100,
    maxReplyBytes: 100,
    events: ['connect', 'disconnect'],
    ...overrides,
  };
  const rpc = new RpcService(config, metrics);
  await rpc.onModuleInit();
  const value = async (name: string, labels: Record<string, string> = {}) =>
    (await metrics.registry.getSingleMetric(name)!.get()).values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((sum, v) => sum + v.value, 0);
  return { rpc, backend, value };
}

const call = (connectionId = 'c1', method = 'orders.create', payload: unknown = { n: 1 }) => ({ method, payload, connectionId, userId: 'alice' });

describe('RpcService', () => {
  it('sends the versioned envelope and answers with the first reply; later replies are dropped and counted', async () => {
    const { rpc, backend, value } = await service();
    const answer = rpc.call(call());
    await Promise.resolve();
    const [sent] = backend.sent;
    expect(sent).toMatchObject({ v: 1, type: 'request', method: 'orders.create', payload: { n: 1 }, connectionId: 'c1', userId: 'alice', node: 'n1' });
    expect(sent!.deadline).toBeGreaterThan(Date.now());
    backend.reply(sent!.id, { result: { ok: 1 } });
    backend.reply(sent!.id, { result: { ok: 2 } });
    expect(await answer).toEqual({ kind: 'result', result: { ok: 1 } });
    expect(await value('switchboard_rpc_late_replies_total', { reason: 'duplicate' })).toBe(1);
    expect(await value('switchboard_rpc_requests_total', { method_class: 'orders', outcome: 'ok' })).toBe(1);
    expect(rpc.pendingCount).toBe(0);
  });

  it('times out, then counts the late reply; the worker error passes through', async () => {
    const { rpc, backend, value } = await service();
    const late = await rpc.call(call());
    expect(late).toMatchObject({ kind: 'timeout' });
    backend.reply(backend.sent[0]!.id, { result: 1 });
    expect(await value('switchboard_rpc_late_replies_total', { reason: 'after_timeout' })).toBe(1);
    const failing = rpc.call(call());
    await Promise.resolve();
    backend.reply(backend.sent[1]!.id, { error: { code: 'NOPE', message: 'no' } });
    expect(await failing).toEqual({ kind: 'error', error: { code: 'NOPE', message: 'no' } });
  });

  it('bounds: payload size, in flight per connection, pending per node; a closed connection drops its requests', async () => {
    const { rpc, backend, value } = await service();
    expect(await rpc.call(call('c1', 'm', 'x'.repeat(200)))).toMatchObject({ kind: 'payload_too_large' });
    const a = rpc.call(call('c1'));
    const b = rpc.call(call('c1'));
    expect(await rpc.call(call('c1'))).toMatchObject({ kind: 'too_many_in_flight' });
    const c = rpc.call(call('c2'));
    expect(await rpc.call(call('c3'))).toMatchObject({ kind: 'unavailable', message: expect.stringMatching(/RPC_MAX_PENDING/) });
    rpc.connectionClosed('c1');
    expect(await a).toEqual({ kind: 'cancelled' });
    expect(await b).toEqual({ kind: 'cancelled' });
    expect(rpc.pendingCount).toBe(1);
    backend.reply(backend.sent[0]!.id, { result: 1 });
    expect(await value('switchboard_rpc_late_replies_total', { reason: 'cancelled' })).toBe(1);
    backend.reply(backend.sent[2]!.id, { result: 'c2' });
    expect(await c).toEqual({ kind: 'result', result: 'c2' });
    expect(rpc.pendingCount).toBe(0);
    expect(backend.events.map((event) => event.event)).toEqual(['disconnect']);
  });

  it('unavailable when the backend refuses or is not ready; too large replies are refused', async () => {
    const { rpc, backend } = await service();
    backend.refuse = true;
    expect(await rpc.call(call())).toEqual({ kind: 'unavailable', message: 'queue says no' });
    backend.refuse = false;
    backend.ready = false;
    expect(await rpc.call(call())).toMatchObject({ kind: 'unavailable' });
    backend.ready = true;
    const big = rpc.call(call());
    await Promise.resolve();
    backend.reply(backend.sent[0]!.id, { result: 'y'.repeat(500) });
    expect(await big).toMatchObject({ kind: 'error', error: { code: 'REPLY_TOO_LARGE' } });
    expect(rpc.pendingCount).toBe(0);
  });

  it('without a backend everything is unavailable', async () => {
    const { rpc } = await service({ backend: { kind: 'none' } });
    expect(await rpc.call(call())).toMatchObject({ kind: 'unavailable', message: expect.stringMatching(/RPC_BACKEND/) });
  });
});

describe('reply envelopes and method classes', () => {
  it('parses replies: result (null allowed) or error; rejects the rest with the id when it has one', () => {
    expect(parseReply('{"v":1,"id":"a","result":null}')).toMatchObject({ ok: true, reply: { id: 'a', result: null } });
    expect(parseReply('{"v":1,"id":"a","error":{"code":"X","message":"m"},"extra":1}')).toMatchObject({ ok: true, reply: { error: { code: 'X', message: 'm' } } });
    expect(parseReply('{"v":1,"id":"a"}')).toMatchObject({ ok: false, id: 'a' });
    expect(parseReply('{"v":2,"id":"a","result":1}')).toMatchObject({ ok: false, id: 'a' });
    expect(parseReply('{"v":1,"id":"a","error":{"code":"bad code!","message":"m"}}')).toMatchObject({ ok: false, id: 'a' });
    expect(parseReply('nope')).toMatchObject({ ok: false });
  });

  it('labels at most 32 method classes, then other', () => {
    const classes = new MethodClasses(2);
    expect([classes.of('orders.create'), classes.of('users.get'), classes.of('carts.add'), classes.of('orders.get'), classes.of('plain')]).toEqual(['orders', 'users', 'other', 'orders', 'other']);
  });
});
