import { decode, encode } from '@msgpack/msgpack';
import { pack, unpack } from 'msgpackr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, startRedis } from '../infra/redis-server.js';
import { metric } from '../rpc/support/rpc-load.js';
import { type RpcWorkerProcess, startRpcWorker } from '../rpc/support/workers.js';
import { eventually, type GatewayProcess, startGatewayProcess } from '../support/gateway-process.js';
import { getJson, postJson } from '../support/http.js';
import { hsToken, SECRET } from '../support/tokens.js';
import { type Client, loadBuiltClient, type Message, type Switchboard, type SwitchboardOptions } from './support/built-client.js';
import { startTcpRelay, type TcpRelay } from './support/tcp-relay.js';

/**
 * The built client's MessagePack format and rpc() against a real node (Redis, history on
 * `h:*`, JWT authentication, an HTTP RPC back end: a real worker process from
 * test/rpc/support), reached through a TCP relay. MessagePack clients use the
 * application's own library: @msgpack/msgpack for one, msgpackr (the server's) for the other.
 */
const TOKEN_CLAIMS = { sub: 'alice', channels: ['h:*', 'open:*'], rpc: ['test.*'] };
const BYTES = new Uint8Array([0, 1, 2, 254, 255]);
const BYTES_BASE64 = Buffer.from(BYTES).toString('base64');

describe('@switchboard/client over MessagePack, and rpc(), against a real node and worker', () => {
  let client: Client;
  let redis: RedisServer;
  let worker: RpcWorkerProcess;
  let node: GatewayProcess;
  let relay: TcpRelay;
  let env: Record<string, string>;
  const opened: Switchboard[] = [];

  const open = (options: SwitchboardOptions = {}) => {
    const sb = new client.Switchboard(`ws://127.0.0.1:${relay.port}/ws`, { token: () => hsToken(TOKEN_CLAIMS), ...options });
    opened.push(sb);
    return sb;
  };
  const withMsgpack = (options: SwitchboardOptions = {}) => open({ format: client.msgpackFormat({ encode, decode }), ...options });
  const withMsgpackr = () => open({ format: client.msgpackFormat({ encode: pack, decode: unpack }) });
  const connected = (sb: Switchboard) =>
    new Promise<void>((resolve) => {
      if (sb.state === 'connected') resolve();
      else sb.on('connected', () => resolve());
    });
  const startNode = async () => {
    const started = await startGatewayProcess(env);
    await eventually(async () => (await getJson(`${started.http}/health/ready`)).status === 200, 20_000, 50);
    await eventually(async () => (await metric(started.http, 'switchboard_rpc_backend_ready')) === 1, 10_000, 50);
    return started;
  };
  const publishOverHttp = async (channel: string, payload: unknown) => {
    const response = await postJson(`${node.http}/api/publish`, { channel, payload });
    expect(response.status).toBe(202);
  };
  const bytesOf = (value: unknown) => (value instanceof Uint8Array ? [...value] : value);

  beforeAll(async () => {
    client = await loadBuiltClient();
    [redis, worker] = await Promise.all([startRedis(), startRpcWorker('client-w1', { RPC_BACKEND: 'http', RPC_WORKER_PORT: '0' })]);
    env = {
      TRANSPORT: 'redis',
      REDIS_URL: redis.url,
      AUTH_JWT_SECRET: SECRET,
      HISTORY_CHANNELS: 'h:*',
      NODE_ID: 'client-msgpack',
      RPC_BACKEND: 'http',
      RPC_HTTP_URL: `http://127.0.0.1:${worker.port}/rpc`,
      RPC_TIMEOUT_MS: '1000',
    };
    node = await startNode();
    relay = await startTcpRelay(node.port);
  });

  afterAll(async () => {
    opened.forEach((sb) => sb.close());
    await relay?.close();
    await Promise.all([node?.kill(), worker?.kill()]);
    await redis?.stop();
  });

  it('MessagePack and JSON clients on one channel: each gets every message; bytes arrive as bytes over MessagePack, as $binary over JSON', async () => {
    // Node's global WebSocket, recording what was offered and what the server agreed on.
    const handshakes: Array<{ offered: string[]; agreed: string }> = [];
    class Recording extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        this.addEventListener('open', () => handshakes.push({ offered: [protocols ?? []].flat(), agreed: this.protocol }));
      }
    }
    const packed = withMsgpack({ WebSocket: Recording });
    const packedr = withMsgpackr();
    const json = open();
    const received = new Map<Switchboard, unknown[]>([packed, packedr, json].map((sb) => [sb, []]));
    const subs = [...received.keys()].map((sb) => sb.subscribe<{ n: number; bytes?: unknown }>('h:mixed', (m: Message<{ n: number; bytes?: unknown }>) => received.get(sb)!.push(m.payload)));
    await Promise.all(subs.map((sub) => sub.ready));
    // The token went along as the bearer.<jwt> entry next to switchboard.msgpack: the node knows the user.
    expect(handshakes).toEqual([{ offered: ['switchboard.msgpack', expect.stringMatching(/^bearer\.ey/)], agreed: 'switchboard.msgpack' }]);
    expect(packed.welcome).toMatchObject({ node: 'client-msgpack', userId: 'alice' });

    const ack = await packed.publish('h:mixed', { n: 1, bytes: BYTES });
    expect(ack).toEqual({ channel: 'h:mixed', offset: expect.any(Number), epoch: expect.any(String) });
    await json.publish('h:mixed', { n: 2, bytes: { $binary: BYTES_BASE64 } });
    await packedr.publish('h:mixed', { n: 3 });
    await eventually(() => [...received.values()].every((list) => list.length === 3), 5000, 20);

    for (const sb of [packed, packedr]) {
      const payloads = received.get(sb) as Array<{ n: number; bytes?: unknown }>;
      expect(payloads.map((p) => p.n)).toEqual([1, 2, 3]);
      for (const p of payloads.slice(0, 2)) {
        expect(p.bytes).toBeInstanceOf(Uint8Array);
        expect(bytesOf(p.bytes)).toEqual([...BYTES]);
      }
    }
    expect(received.get(json)).toEqual([{ n: 1, bytes: { $binary: BYTES_BASE64 } }, { n: 2, bytes: { $binary: BYTES_BASE64 } }, { n: 3 }]);
    // The server's own refusals come back as MessagePack error frames, matched to their request.
    await expect(packed.publish('secret:x', 1)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('over MessagePack, a reconnect to another node recovers what was missed; an rpc made while disconnected waits and is answered', async () => {
    const sb = withMsgpack({ backoffBaseMs: 100, keepaliveIntervalMs: 0 });
    const received: unknown[] = [];
    const sub = sb.subscribe<unknown>('h:recover', (m) => received.push(bytesOf(m.payload)));
    await sub.ready;
    await publishOverHttp('h:recover', 'before');
    await eventually(() => received.length === 1, 5000, 20);

    // The client's path goes dead, messages are published meanwhile (one of them bytes, by the JSON marker),
    // then the node is replaced and the dead path is cut: the client can only have them by recovery.
    relay.freeze();
    await publishOverHttp('h:recover', 'while away');
    await publishOverHttp('h:recover', { $binary: BYTES_BASE64 });
    const old = node;
    node = await startNode();
    relay.retarget(node.port);
    let whileDisconnected: Promise<unknown> | undefined;
    sb.on('disconnected', () => {
      whileDisconnected ??= sb.rpc('test.echo', { asked: 'offline', bytes: BYTES });
    });
    const restored = new Promise<{ recovered?: boolean }>((resolve) => sub.on('subscribed', resolve));
    relay.cutFrozen();
    expect(await old.stop()).toMatchObject({ code: 0 });

    expect(await restored).toMatchObject({ resubscribed: true, recovered: true });
    await eventually(() => received.length === 3, 5000, 20);
    expect(received).toEqual(['before', 'while away', [...BYTES]]);
    expect(sub.duplicatesDropped).toBe(0);
    expect(whileDisconnected).toBeDefined();
    const answer = (await whileDisconnected) as { echo: { asked: string; bytes: Uint8Array }; connectionId: string; node: string };
    // Sent on the new connection, once welcomed.
    expect(answer).toMatchObject({ echo: { asked: 'offline' }, connectionId: sb.welcome!.connectionId, node: 'client-msgpack' });
    expect(answer.echo.bytes).toBeInstanceOf(Uint8Array);
    expect(bytesOf(answer.echo.bytes)).toEqual([...BYTES]);
  });

  it("rpc() resolves with the worker's result and rejects with the server's codes, over JSON and MessagePack", async () => {
    const json = open();
    const packed = withMsgpack();
    await Promise.all([connected(json), connected(packed)]);
    for (const sb of [json, packed]) {
      expect(await sb.rpc('test.echo', { x: 1 })).toEqual({ echo: { x: 1 }, worker: 'client-w1', connectionId: sb.welcome!.connectionId, userId: 'alice', node: 'client-msgpack' });
      const failed = await sb.rpc('test.fail', 5).catch((error: unknown) => error);
      expect(failed).toMatchObject({ name: 'SwitchboardError', code: 'RPC_ERROR', error: { code: 'TEST_FAILURE', message: 'asked to fail', data: { got: 5 } } });
      // Outside the token's rpc claim (test.*).
      await expect(sb.rpc('orders.create', {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
    // The node gives up on the worker after RPC_TIMEOUT_MS (1000 here).
    await expect(json.rpc('test.slow', { ms: 1500 })).rejects.toMatchObject({ code: 'RPC_TIMEOUT' });
    // The client gives up first with its own timeoutMs: it was sent, so it may have been carried out.
    await expect(json.rpc('test.slow', { ms: 600 }, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'TIMEOUT', sent: true });
    // Its late reply is dropped, and the connection goes on.
    expect(await json.rpc('test.echo', 'after')).toMatchObject({ echo: 'after' });
  });
});
