import { decode, encode } from '@msgpack/msgpack';
import { pack, unpack } from 'msgpackr';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SwitchboardError } from './errors.js';
import { msgpackFormat } from './format.js';
import type { SwitchboardOptions } from './options.js';
import type { Message } from './protocol.js';
import { type ConnectionState, type Disconnect, Switchboard } from './switchboard.js';
import { FakeWebSocket } from './websocket.fake.js';

/**
 * The client's state machine against a scripted WebSocket, under fake timers: every delay,
 * timeout and reconnect is stepped through deterministically.
 */
const URL = 'ws://gateway.test/ws';
const tick = (ms = 0) => vi.advanceTimersByTimeAsync(ms);

function client(options: SwitchboardOptions = {}) {
  const sb = new Switchboard(URL, { WebSocket: FakeWebSocket, ...options });
  const states: ConnectionState[] = [];
  const disconnects: Disconnect[] = [];
  const errors: SwitchboardError[] = [];
  sb.on('state', (state) => states.push(state));
  sb.on('disconnected', (info) => disconnects.push(info));
  sb.on('error', (error) => errors.push(error));
  return { sb, states, disconnects, errors };
}

/** A client welcomed by its first node. */
async function connected(options: SwitchboardOptions = {}) {
  const c = client(options);
  await tick();
  FakeWebSocket.last.welcome();
  return c;
}

const message = (channel: string, payload: unknown, position?: { offset: number; epoch: string }) => ({
  event: 'message',
  data: { channel, payload, node: 'n1', ts: 1, ...position },
});

beforeEach(() => {
  vi.useFakeTimers();
  FakeWebSocket.reset();
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('connecting', () => {
  it('goes connecting → connected on the welcome, offering the switchboard subprotocol', async () => {
    const { sb, states } = client();
    expect(sb.state).toBe('disconnected');
    await tick();
    expect(states).toEqual(['connecting']);
    expect(FakeWebSocket.last.protocols).toEqual(['switchboard']);
    FakeWebSocket.last.open();
    expect(sb.state).toBe('connecting');
    FakeWebSocket.last.frame({ event: 'welcome', data: { connectionId: 'c1', node: 'gw-1' } });
    expect(states).toEqual(['connecting', 'connected']);
    expect(sb.welcome).toEqual({ connectionId: 'c1', node: 'gw-1' });
  });

  it('sends the token as a bearer.<jwt> subprotocol next to switchboard', async () => {
    client({ token: 'abc.def.ghi' });
    await tick();
    expect(FakeWebSocket.last.protocols).toEqual(['switchboard', 'bearer.abc.def.ghi']);
  });

  it('does not connect without autoConnect until connect()', async () => {
    const { sb } = client({ autoConnect: false });
    await tick(1000);
    expect(FakeWebSocket.instances).toHaveLength(0);
    sb.connect();
    await tick();
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('abandons an attempt that is not welcomed within connectTimeoutMs, and retries', async () => {
    const { disconnects } = client({ connectTimeoutMs: 3000 });
    await tick();
    FakeWebSocket.last.open();
    await tick(2999);
    expect(disconnects).toEqual([]);
    await tick(1);
    expect(disconnects[0]).toMatchObject({ code: 1006, reason: expect.stringContaining('connectTimeoutMs') });
    await tick(disconnects[0]!.reconnectInMs);
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  it('close() stops: state closed, no reconnect, outstanding requests rejected with CLOSED', async () => {
    const { sb, states } = await connected();
    const pending = sb.publish('a', 1);
    sb.close();
    await expect(pending).rejects.toMatchObject({ code: 'CLOSED' });
    expect(states.at(-1)).toBe('closed');
    expect(FakeWebSocket.last.closedWith?.code).toBe(1000);
    await tick(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    await expect(sb.publish('a', 2)).rejects.toMatchObject({ code: 'CLOSED' });
  });
});

describe('reconnecting by close code', () => {
  it('1012 (draining): reconnects within drainSpreadMs, however many times it happens', async () => {
    const { disconnects } = await connected({ drainSpreadMs: 500 });
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    for (let i = 0; i < 5; i++) {
      FakeWebSocket.last.serverClose(1012, 'service restart');
      expect(disconnects.at(-1)).toMatchObject({ code: 1012, reconnectInMs: 499 });
      await tick(499);
      expect(FakeWebSocket.instances).toHaveLength(i + 2);
      FakeWebSocket.last.welcome();
    }
  });

  it('1006: exponential backoff with full jitter, capped at backoffMaxMs', async () => {
    const { disconnects } = await connected({ backoffBaseMs: 1000, backoffMaxMs: 8000 });
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    FakeWebSocket.last.serverClose(1006);
    for (let i = 0; i < 6; i++) {
      await tick(disconnects.at(-1)!.reconnectInMs);
      // the node is still down: the next upgrade fails too
      FakeWebSocket.last.refuse();
    }
    expect(disconnects.map((d) => d.reconnectInMs)).toEqual([999, 1998, 3996, 7992, 7992, 7992, 7992]);
  });

  it('a connection that stayed up resets the backoff', async () => {
    const { disconnects } = await connected();
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    FakeWebSocket.last.serverClose(1006);
    await tick(disconnects.at(-1)!.reconnectInMs);
    FakeWebSocket.last.welcome();
    FakeWebSocket.last.serverClose(1006);
    expect(disconnects.at(-1)!.reconnectInMs).toBe(1998);
    await tick(disconnects.at(-1)!.reconnectInMs);
    FakeWebSocket.last.welcome();
    await tick(5000);
    FakeWebSocket.last.serverClose(1006);
    expect(disconnects.at(-1)!.reconnectInMs).toBe(999);
  });

  it('1008 and 4008 back off: penaltyMs on top of the backoff', async () => {
    const { disconnects } = await connected({ penaltyMs: 2000 });
    vi.spyOn(Math, 'random').mockReturnValue(0);
    FakeWebSocket.last.serverClose(1008, 'rate limit exceeded');
    expect(disconnects.at(-1)).toMatchObject({ code: 1008, reconnectInMs: 2000 });
    await tick(1999);
    expect(FakeWebSocket.instances).toHaveLength(1);
    await tick(1);
    FakeWebSocket.last.welcome();
    FakeWebSocket.last.serverClose(4008, 'slow consumer');
    expect(disconnects.at(-1)).toMatchObject({ code: 4008, reconnectInMs: 2000 });
  });

  it('the keepalive probes an idle connection with echo and drops it when nothing answers', async () => {
    const { disconnects } = await connected({ keepaliveIntervalMs: 15_000, keepaliveTimeoutMs: 10_000 });
    const socket = FakeWebSocket.last;
    // A busy connection is never probed.
    for (let i = 0; i < 4; i++) {
      await tick(10_000);
      socket.frame({ event: 'echo', data: 'other traffic' });
    }
    expect(socket.sentOf('echo')).toEqual([]);
    await tick(15_000);
    expect(socket.sentOf('echo')).toHaveLength(1);
    socket.reply('echo', 'keepalive');
    await tick(15_000);
    expect(socket.sentOf('echo')).toHaveLength(2);
    // The server went silent: TCP would not tell us for minutes.
    await tick(9999);
    expect(disconnects).toEqual([]);
    await tick(1);
    expect(disconnects[0]).toMatchObject({ code: 1006, reason: expect.stringContaining('keepalive') });
    expect(socket.closedWith).toBeDefined();
    await tick(disconnects[0]!.reconnectInMs);
    expect(FakeWebSocket.instances).toHaveLength(2);
  });
});

describe('tokens at upgrade', () => {
  it('asks the callback for a fresh token after repeated failed upgrades (browsers cannot see the 401)', async () => {
    let n = 0;
    const token = vi.fn(() => `token-${++n}`);
    const { disconnects } = client({ token, refreshTokenAfterFailures: 2 });
    await tick();
    expect(FakeWebSocket.last.token).toBe('token-1');
    FakeWebSocket.last.refuse();
    await tick(disconnects.at(-1)!.reconnectInMs);
    expect(FakeWebSocket.last.token).toBe('token-1');
    FakeWebSocket.last.refuse();
    await tick(disconnects.at(-1)!.reconnectInMs);
    expect(FakeWebSocket.last.token).toBe('token-2');
    FakeWebSocket.last.welcome();
    expect(token).toHaveBeenCalledTimes(2);
  });

  it('refreshes at once when the implementation reveals a 401 (the ws package does)', async () => {
    let n = 0;
    const { disconnects } = client({ token: () => `token-${++n}` });
    await tick();
    FakeWebSocket.last.refuse('Unexpected server response: 401');
    expect(disconnects.at(-1)).toMatchObject({ status: 401 });
    await tick(disconnects.at(-1)!.reconnectInMs);
    expect(FakeWebSocket.last.token).toBe('token-2');
  });

  it('refreshes before connecting when the JWT has expired, without a failed upgrade first', async () => {
    const b64 = (v: unknown) => btoa(JSON.stringify(v)).replace(/=+$/, '');
    let n = 0;
    const token = vi.fn(() => `${b64({ alg: 'HS256' })}.${b64({ n: ++n, exp: Math.floor(Date.now() / 1000) + 60 })}.sig`);
    const { disconnects } = await connected({ token, keepaliveIntervalMs: 0 });
    await tick(61_000);
    FakeWebSocket.last.serverClose(1012);
    await tick(disconnects.at(-1)!.reconnectInMs);
    expect(token).toHaveBeenCalledTimes(2);
    FakeWebSocket.last.welcome();
  });

  it('stops with UNAUTHORIZED when the callback fails', async () => {
    let calls = 0;
    const { sb, errors, disconnects } = client({
      token: async () => {
        if (++calls > 1) throw new Error('session over');
        return 'first';
      },
    });
    await tick();
    FakeWebSocket.last.refuse('Unexpected server response: 401');
    await tick(disconnects.at(-1)!.reconnectInMs);
    expect(sb.state).toBe('closed');
    expect(errors[0]).toMatchObject({ code: 'UNAUTHORIZED', cause: expect.objectContaining({ message: 'session over' }) });
    await tick(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  it('stops with UNAUTHORIZED on a known 401 with a fixed token: it can never succeed', async () => {
    const { sb, errors } = client({ token: 'fixed' });
    await tick();
    FakeWebSocket.last.refuse('Unexpected server response: 401');
    expect(sb.state).toBe('closed');
    expect(errors[0]).toMatchObject({ code: 'UNAUTHORIZED' });
  });
});

describe('requests and replies', () => {
  it('every request carries an id; replies are matched by id, in whatever order they come', async () => {
    const { sb } = await connected();
    const socket = FakeWebSocket.last;
    const first = sb.publish('a', 1);
    const second = sb.publish('a', 2);
    const [p1, p2] = socket.sentOf('publish');
    expect(p1!.id).not.toBe(p2!.id);
    socket.reply('publish', { channel: 'a', offset: 2, epoch: 'e' }, p2!.id);
    socket.error('publish', 'TRANSPORT_UNAVAILABLE', p1!.id);
    await expect(second).resolves.toEqual({ channel: 'a', offset: 2, epoch: 'e' });
    await expect(first).rejects.toMatchObject({ code: 'TRANSPORT_UNAVAILABLE', name: 'SwitchboardError' });
  });

  it('a request without a reply times out; its late reply is ignored', async () => {
    const { sb, errors } = await connected({ requestTimeoutMs: 5000 });
    const pending = sb.publish('a', 1);
    const expectation = expect(pending).rejects.toMatchObject({ code: 'TIMEOUT', sent: true });
    await tick(5000);
    await expectation;
    FakeWebSocket.last.reply('publish', { channel: 'a' });
    FakeWebSocket.last.error('publish', 'FORBIDDEN');
    expect(errors).toEqual([]);
  });

  it('an error frame without an id (RATE_LIMITED) is reported on the client', async () => {
    const { errors } = await connected();
    FakeWebSocket.last.frame({ event: 'error', data: { code: 'RATE_LIMITED', message: 'over 50 messages/s' } });
    expect(errors[0]).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('a publish in flight when the connection drops rejects with DISCONNECTED, never silently', async () => {
    const { sb } = await connected();
    const pending = sb.publish('a', 1);
    FakeWebSocket.last.serverClose(1006);
    await expect(pending).rejects.toMatchObject({ code: 'DISCONNECTED', sent: true });
  });

  it('paces frames under the server rate limit: a burst, then sendRatePerSec', async () => {
    const { sb } = await connected({ sendRatePerSec: 40, sendBurst: 80 });
    for (let i = 0; i < 200; i++) sb.subscribe(`ch-${i}`);
    const socket = FakeWebSocket.last;
    expect(socket.sentOf('subscribe')).toHaveLength(80);
    await tick(1000);
    expect(socket.sentOf('subscribe')).toHaveLength(120);
    await tick(2000);
    expect(socket.sentOf('subscribe')).toHaveLength(200);
    // In order.
    expect(socket.sentOf('subscribe').map((f) => f.data.channel)).toEqual(Array.from({ length: 200 }, (_, i) => `ch-${i}`));
  });
});

describe('publishing while disconnected', () => {
  it("waits for the connection (offline: 'queue') and is sent, in order, once welcomed", async () => {
    const { sb } = client();
    const acks = [sb.publish('a', 1), sb.publish('a', 2)];
    await tick();
    const socket = FakeWebSocket.last;
    expect(socket.sent).toEqual([]);
    socket.welcome();
    expect(socket.sentOf('publish').map((f) => f.data.payload)).toEqual([1, 2]);
    for (const frame of socket.sentOf('publish')) socket.reply('publish', { channel: 'a' }, frame.id);
    await expect(Promise.all(acks)).resolves.toHaveLength(2);
  });

  it('the wait is bounded: QUEUE_FULL past offlineQueueSize, TIMEOUT past offlineTimeoutMs', async () => {
    const { sb } = client({ offlineQueueSize: 2, offlineTimeoutMs: 3000 });
    const waiting = [sb.publish('a', 1), sb.publish('a', 2)];
    const checks = waiting.map((p) => expect(p).rejects.toMatchObject({ code: 'TIMEOUT', sent: false }));
    await expect(sb.publish('a', 3)).rejects.toMatchObject({ code: 'QUEUE_FULL', sent: false });
    await tick(3000);
    await Promise.all(checks);
    FakeWebSocket.last.welcome();
    expect(FakeWebSocket.last.sentOf('publish')).toEqual([]);
  });

  it("offline: 'reject' rejects at once with OFFLINE", async () => {
    const { sb } = client({ offline: 'reject' });
    await expect(sb.publish('a', 1)).rejects.toMatchObject({ code: 'OFFLINE' });
  });
});

describe('subscriptions across reconnects', () => {
  it('resubscribes with the position of the last delivered message and reports the recovery', async () => {
    const { sb } = await connected();
    const received: Message[] = [];
    const sub = sb.subscribe('chat:lobby', (m) => received.push(m));
    const infos: unknown[] = [];
    sub.on('subscribed', (info) => infos.push(info));
    let socket = FakeWebSocket.last;
    expect(socket.lastOf('subscribe').data).toEqual({ channel: 'chat:lobby' });
    socket.reply('subscribe', { channel: 'chat:lobby', offset: 40, epoch: 'e1' });
    await expect(sub.ready).resolves.toMatchObject({ resubscribed: false, position: { offset: 40, epoch: 'e1' } });
    socket.frame(message('chat:lobby', 'a', { offset: 41, epoch: 'e1' }));
    expect(sub.position).toEqual({ offset: 41, epoch: 'e1' });

    socket.serverClose(1012);
    expect(sub.state).toBe('subscribing');
    await tick(500);
    socket = FakeWebSocket.last;
    socket.welcome('n2');
    expect(socket.lastOf('subscribe').data).toEqual({ channel: 'chat:lobby', since: { offset: 41, epoch: 'e1' } });
    socket.reply('subscribe', { channel: 'chat:lobby', offset: 43, epoch: 'e1', recovered: true });
    socket.frame(message('chat:lobby', 'b', { offset: 42, epoch: 'e1' }));
    socket.frame(message('chat:lobby', 'c', { offset: 43, epoch: 'e1' }));
    expect(received.map((m) => m.payload)).toEqual(['a', 'b', 'c']);
    expect(infos.at(-1)).toEqual({ channel: 'chat:lobby', resubscribed: true, recovered: true, position: { offset: 41, epoch: 'e1' } });
    expect(sub.state).toBe('subscribed');
  });

  it('a recovery that fails is a gap event with the reason, and the stream continues from the new position', async () => {
    const { sb } = await connected();
    const sub = sb.subscribe('chat:lobby');
    const gaps: unknown[] = [];
    sub.on('gap', (gap) => gaps.push(gap));
    FakeWebSocket.last.reply('subscribe', { channel: 'chat:lobby', offset: 5, epoch: 'e1' });
    FakeWebSocket.last.serverClose(1006);
    await tick(1000);
    FakeWebSocket.last.welcome();
    FakeWebSocket.last.reply('subscribe', { channel: 'chat:lobby', offset: 3, epoch: 'e2', recovered: false, reason: 'epoch_changed' });
    expect(gaps).toEqual([{ channel: 'chat:lobby', reason: 'epoch_changed', position: { offset: 3, epoch: 'e2' } }]);
    expect(sub.position).toEqual({ offset: 3, epoch: 'e2' });
  });

  it('a channel without history reports a gap when resubscribed: nothing can be replayed', async () => {
    const { sb } = await connected();
    const sub = sb.subscribe('plain');
    const gaps: unknown[] = [];
    sub.on('gap', (gap) => gaps.push(gap));
    FakeWebSocket.last.reply('subscribe', { channel: 'plain' });
    FakeWebSocket.last.serverClose(1012);
    await tick(500);
    FakeWebSocket.last.welcome();
    expect(FakeWebSocket.last.lastOf('subscribe').data).toEqual({ channel: 'plain' });
    FakeWebSocket.last.reply('subscribe', { channel: 'plain' });
    expect(gaps).toEqual([{ channel: 'plain', reason: 'history_off' }]);
  });

  it('never delivers an offset at or below the last delivered within an epoch', async () => {
    const { sb } = await connected();
    const received: unknown[] = [];
    const sub = sb.subscribe('h', (m) => received.push(m.offset));
    const gaps: unknown[] = [];
    sub.on('gap', (gap) => gaps.push(gap));
    const socket = FakeWebSocket.last;
    socket.reply('subscribe', { channel: 'h', offset: 10, epoch: 'e1' });
    for (const offset of [11, 12, 12, 9, 13, 10]) socket.frame(message('h', offset, { offset, epoch: 'e1' }));
    expect(received).toEqual([11, 12, 13]);
    expect(sub.duplicatesDropped).toBe(3);
    // A new epoch restarts the offsets, and says so.
    socket.frame(message('h', 'x', { offset: 1, epoch: 'e2' }));
    expect(received).toEqual([11, 12, 13, 1]);
    expect(gaps).toEqual([{ channel: 'h', reason: 'epoch_changed', position: { offset: 1, epoch: 'e2' } }]);
  });

  it('a refused subscription ends with an error; a transient failure is retried', async () => {
    const { sb } = await connected();
    const forbidden = sb.subscribe('secret');
    const errors: SwitchboardError[] = [];
    forbidden.on('error', (error) => errors.push(error));
    FakeWebSocket.last.error('subscribe', 'FORBIDDEN');
    await expect(forbidden.ready).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(errors[0]).toMatchObject({ code: 'FORBIDDEN' });
    expect(forbidden.state).toBe('unsubscribed');
    expect(sb.subscription('secret')).toBeUndefined();

    const flaky = sb.subscribe('h');
    FakeWebSocket.last.error('subscribe', 'TRANSPORT_UNAVAILABLE');
    await tick(1000);
    expect(FakeWebSocket.last.sentOf('subscribe').filter((f) => f.data.channel === 'h')).toHaveLength(2);
    FakeWebSocket.last.reply('subscribe', { channel: 'h', offset: 0, epoch: 'e' });
    await expect(flaky.ready).resolves.toMatchObject({ position: { offset: 0, epoch: 'e' } });
  });

  it('a subscription made from a connected listener is subscribed once', async () => {
    const { sb } = client();
    sb.on('connected', () => sb.subscription('late') ?? sb.subscribe('late'));
    await tick();
    FakeWebSocket.last.welcome();
    expect(FakeWebSocket.last.sentOf('subscribe').map((f) => f.data.channel)).toEqual(['late']);
    FakeWebSocket.last.serverClose(1012);
    await tick(500);
    FakeWebSocket.last.welcome();
    expect(FakeWebSocket.last.sentOf('subscribe').map((f) => f.data.channel)).toEqual(['late']);
  });

  it('subscribing twice is an error; unsubscribe stops delivery and is not restored', async () => {
    const { sb } = await connected();
    const received: unknown[] = [];
    const sub = sb.subscribe('a', (m) => received.push(m.payload));
    expect(() => sb.subscribe('a')).toThrow(expect.objectContaining({ code: 'ALREADY_SUBSCRIBED' }));
    FakeWebSocket.last.reply('subscribe', { channel: 'a' });
    const done = sub.unsubscribe();
    expect(FakeWebSocket.last.lastOf('unsubscribe').data).toEqual({ channel: 'a' });
    FakeWebSocket.last.reply('unsubscribe', { channel: 'a' });
    await done;
    FakeWebSocket.last.frame(message('a', 'late'));
    expect(received).toEqual([]);
    FakeWebSocket.last.serverClose(1012);
    await tick(500);
    FakeWebSocket.last.welcome();
    expect(FakeWebSocket.last.sentOf('subscribe')).toEqual([]);
  });
});

describe('with the ws package as the WebSocket', () => {
  it('abandoning an attempt that is still connecting raises no uncaught error', async () => {
    const { default: WebSocket } = await import('ws');
    const { createServer } = await import('node:net');
    vi.useRealTimers();
    // Accepts TCP and never answers the upgrade.
    const server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const sb = new Switchboard(`ws://127.0.0.1:${(server.address() as { port: number }).port}/ws`, { WebSocket, connectTimeoutMs: 100 });
      const lost = new Promise<Disconnect>((resolve) => sb.on('disconnected', resolve));
      expect((await lost).reason).toContain('connectTimeoutMs');
      sb.close();
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      server.close();
    }
  });
});

describe('a URL the WebSocket refuses', () => {
  it('stops the client with INVALID_URL instead of retrying forever', async () => {
    class Refusing extends FakeWebSocket {
      constructor(url: string) {
        super(url);
        throw new SyntaxError(`invalid URL ${url}`);
      }
    }
    const sb = new Switchboard('nonsense', { WebSocket: Refusing });
    const errors: SwitchboardError[] = [];
    sb.on('error', (error) => errors.push(error));
    await tick();
    expect(sb.state).toBe('closed');
    expect(errors[0]).toMatchObject({ code: 'INVALID_URL' });
  });
});

describe('rpc', () => {
  it('sends {method, payload} with an id and resolves with the rpc_result data', async () => {
    const { sb } = await connected();
    const socket = FakeWebSocket.last;
    const created = sb.rpc<{ id: number }>('orders.create', { item: 'tea', quantity: 2 });
    const bare = sb.rpc('orders.list');
    const [first, second] = socket.sentOf('rpc');
    expect(first).toEqual({ event: 'rpc', data: { method: 'orders.create', payload: { item: 'tea', quantity: 2 } }, id: expect.any(Number) });
    // No payload: none on the wire (the server reads it as null).
    expect(second!.data).toEqual({ method: 'orders.list' });
    socket.reply('rpc', [], second!.id);
    socket.reply('rpc', { id: 1 }, first!.id);
    await expect(created).resolves.toEqual({ id: 1 });
    await expect(bare).resolves.toEqual([]);
  });

  it("rejects with the server's code; RPC_ERROR carries the worker's {code, message, data}", async () => {
    const { sb, errors } = await connected();
    const socket = FakeWebSocket.last;
    const outOfStock = sb.rpc('orders.create', { quantity: 20 });
    const worker = { code: 'OUT_OF_STOCK', message: 'only 10 tea left', data: { available: 10 } };
    socket.frame({ event: 'error', data: { code: 'RPC_ERROR', message: 'only 10 tea left', error: worker }, id: socket.lastOf('rpc').id });
    await expect(outOfStock).rejects.toMatchObject({ name: 'SwitchboardError', code: 'RPC_ERROR', message: 'only 10 tea left', error: worker });
    for (const code of ['RPC_TIMEOUT', 'RPC_UNAVAILABLE', 'RPC_TOO_MANY_IN_FLIGHT', 'RPC_PAYLOAD_TOO_LARGE', 'FORBIDDEN']) {
      const pending = sb.rpc('orders.create', 1);
      socket.error('rpc', code);
      const error = await pending.catch((e: SwitchboardError) => e);
      expect(error).toMatchObject({ code });
      expect(error).not.toHaveProperty('error');
    }
    expect(errors).toEqual([]);
  });

  it('timeoutMs overrides requestTimeoutMs for this call: TIMEOUT, sent: true, and the late reply is dropped', async () => {
    const { sb, errors } = await connected({ requestTimeoutMs: 10_000 });
    const slow = sb.rpc('reports.build', {}, { timeoutMs: 30_000 });
    const quick = sb.rpc('orders.get', {}, { timeoutMs: 500 });
    const quickFails = expect(quick).rejects.toMatchObject({ code: 'TIMEOUT', sent: true });
    await tick(500);
    await quickFails;
    const [slowFrame, quickFrame] = FakeWebSocket.last.sentOf('rpc');
    FakeWebSocket.last.reply('rpc', 'late', quickFrame!.id);
    await tick(15_000);
    FakeWebSocket.last.reply('rpc', 'done', slowFrame!.id);
    await expect(slow).resolves.toBe('done');
    expect(errors).toEqual([]);
  });

  it("while disconnected it follows the offline policy of publish: waits (one queue for both) and is sent once welcomed", async () => {
    const { sb } = client({ offlineQueueSize: 2 });
    const answer = sb.rpc('orders.create', 1);
    const ack = sb.publish('a', 1);
    await expect(sb.rpc('orders.create', 2)).rejects.toMatchObject({ code: 'QUEUE_FULL', sent: false });
    await tick();
    const socket = FakeWebSocket.last;
    socket.welcome();
    expect(socket.sent.map((f) => f.event)).toEqual(['rpc', 'publish']);
    socket.reply('rpc', 'ok');
    socket.reply('publish', { channel: 'a' });
    await expect(answer).resolves.toBe('ok');
    await expect(ack).resolves.toEqual({ channel: 'a' });
  });

  it("offline: 'reject' rejects at once with OFFLINE; a queued rpc not sent within offlineTimeoutMs rejects with TIMEOUT, sent: false", async () => {
    const rejecting = client({ offline: 'reject', autoConnect: false });
    await expect(rejecting.sb.rpc('m')).rejects.toMatchObject({ code: 'OFFLINE', sent: false });
    const waiting = client({ autoConnect: false, offlineTimeoutMs: 3000 });
    const queued = expect(waiting.sb.rpc('m')).rejects.toMatchObject({ code: 'TIMEOUT', sent: false });
    await tick(3000);
    await queued;
    waiting.sb.close();
    await expect(waiting.sb.rpc('m')).rejects.toMatchObject({ code: 'CLOSED', sent: false });
  });

  it('a request that may have been sent is never sent again: DISCONNECTED, sent: true, and nothing resent on the next connection', async () => {
    const { sb } = await connected({ sendRatePerSec: 1, sendBurst: 1 });
    const sent = sb.rpc('orders.create', 1);
    // Paced: still waiting in the client when the connection drops, so certainly not carried out.
    const unsent = sb.rpc('orders.create', 2);
    expect(FakeWebSocket.last.sentOf('rpc')).toHaveLength(1);
    FakeWebSocket.last.serverClose(1012);
    await expect(sent).rejects.toMatchObject({ code: 'DISCONNECTED', sent: true });
    await expect(unsent).rejects.toMatchObject({ code: 'DISCONNECTED', sent: false });
    await tick(500);
    FakeWebSocket.last.welcome();
    await tick(5000);
    expect(FakeWebSocket.last.sentOf('rpc')).toEqual([]);
  });
});

describe('MessagePack (switchboard.msgpack)', () => {
  const format = msgpackFormat({ encode, decode });

  it('offers switchboard.msgpack (with the bearer entry), reads ArrayBuffers and sends binary frames', async () => {
    const { sb } = client({ format, token: 'abc.def.ghi' });
    await tick();
    const socket = FakeWebSocket.last;
    expect(socket.protocols).toEqual(['switchboard.msgpack', 'bearer.abc.def.ghi']);
    expect(socket.binaryType).toBe('arraybuffer');
    socket.welcome();
    expect(sb.state).toBe('connected');
    const ack = sb.publish('a', { n: 1 });
    expect(socket.sentKinds).toEqual(['binary']);
    expect(socket.lastOf('publish')).toEqual({ event: 'publish', data: { channel: 'a', payload: { n: 1 } }, id: expect.any(Number) });
    socket.reply('publish', { channel: 'a', offset: 1, epoch: 'e' });
    await expect(ack).resolves.toEqual({ channel: 'a', offset: 1, epoch: 'e' });
  });

  it('Uint8Array payloads travel as bytes both ways, in publish, messages and rpc', async () => {
    const { sb } = await connected({ format });
    const socket = FakeWebSocket.last;
    const bytes = new Uint8Array([0, 1, 2, 254, 255]);
    void sb.publish('files', { name: 'a.bin', bytes });
    const wire = socket.lastOf('publish').data.payload.bytes;
    expect(wire).toBeInstanceOf(Uint8Array);
    expect([...wire]).toEqual([...bytes]);
    const received: Message<{ bytes: Uint8Array }>[] = [];
    sb.subscribe<{ bytes: Uint8Array }>('files', (m) => received.push(m));
    socket.frame(message('files', { bytes }));
    expect(received[0]!.payload.bytes).toBeInstanceOf(Uint8Array);
    expect([...received[0]!.payload.bytes]).toEqual([...bytes]);
    const echoed = sb.rpc<{ echo: Uint8Array }>('test.echo', bytes);
    expect([...socket.lastOf('rpc').data.payload]).toEqual([...bytes]);
    socket.reply('rpc', { echo: bytes });
    expect([...(await echoed).echo]).toEqual([...bytes]);
  });

  it('subscribes and recovers across a reconnect, and keeps the keepalive, in MessagePack', async () => {
    const { sb } = await connected({ format, keepaliveIntervalMs: 1000 });
    const received: unknown[] = [];
    const sub = sb.subscribe('h', (m) => received.push(m.payload));
    FakeWebSocket.last.reply('subscribe', { channel: 'h', offset: 4, epoch: 'e1' });
    FakeWebSocket.last.frame(message('h', 'a', { offset: 5, epoch: 'e1' }));
    await tick(1000);
    expect(FakeWebSocket.last.sentOf('echo')).toHaveLength(1);
    FakeWebSocket.last.serverClose(1012);
    await tick(500);
    const socket = FakeWebSocket.last;
    expect(socket.protocols).toEqual(['switchboard.msgpack']);
    socket.welcome('n2');
    expect(socket.lastOf('subscribe').data).toEqual({ channel: 'h', since: { offset: 5, epoch: 'e1' } });
    socket.reply('subscribe', { channel: 'h', offset: 6, epoch: 'e1', recovered: true });
    socket.frame(message('h', 'b', { offset: 6, epoch: 'e1' }));
    expect(received).toEqual(['a', 'b']);
    expect(sub.state).toBe('subscribed');
    expect(socket.sentKinds.every((kind) => kind === 'binary')).toBe(true);
  });

  it('ignores frames it cannot read: text on a MessagePack connection, bytes that are not MessagePack, bytes on a JSON one', async () => {
    const { sb, errors } = await connected({ format });
    FakeWebSocket.last.raw(JSON.stringify({ event: 'error', data: { code: 'RATE_LIMITED' } }));
    FakeWebSocket.last.raw(new Uint8Array([0xc1]).buffer);
    expect(errors).toEqual([]);
    expect(sb.state).toBe('connected');
    const json = await connected();
    FakeWebSocket.last.raw(Buffer.from(JSON.stringify({ event: 'error', data: { code: 'RATE_LIMITED' } })));
    expect(json.errors).toEqual([]);
  });

  it("works with msgpackr's pack/unpack, and hands decode a Uint8Array whatever the socket delivers", async () => {
    const seen: string[] = [];
    const { sb } = client({ format: msgpackFormat({ encode: pack, decode: (bytes) => (seen.push(bytes.constructor.name), unpack(bytes)) }) });
    await tick();
    FakeWebSocket.last.welcome();
    FakeWebSocket.last.binaryType = 'nodebuffer';
    FakeWebSocket.last.raw(pack({ event: 'error', data: { code: 'RATE_LIMITED', message: 'slow down' } }));
    expect(seen).toEqual(['Uint8Array', 'Buffer']);
    expect(sb.state).toBe('connected');
    const answer = sb.rpc('m', { x: 1 });
    expect(FakeWebSocket.last.lastOf('rpc').data).toEqual({ method: 'm', payload: { x: 1 } });
    FakeWebSocket.last.reply('rpc', 'ok');
    await expect(answer).resolves.toBe('ok');
  });
});
