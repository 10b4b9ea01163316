import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocketPackage from 'ws';
import { sleep } from '../infra/managed-process.js';
import { type RedisServer, startRedis } from '../infra/redis-server.js';
import { eventually, type GatewayProcess, startGatewayProcess } from '../support/gateway-process.js';
import { getJson, postJson } from '../support/http.js';
import { hsToken, SECRET } from '../support/tokens.js';
import { type Client, loadBuiltClient, type Switchboard, type SwitchboardOptions } from './support/built-client.js';
import { startTcpRelay, type TcpRelay } from './support/tcp-relay.js';

/**
 * The built client against a real node (Redis, history on `h:*`, JWT authentication),
 * reached through a TCP relay: requests and replies with the server's own error codes,
 * the send pacing against the server's rate limit, token expiry and key rotation across
 * a deploy, a dead path noticed by the keepalive, and publishes made while disconnected.
 * A deploy here replaces the node: a new one starts, the relay sends new connections to
 * it, the old one drains (1012), so no reconnect meets a closed port.
 */
const OTHER_SECRET = 'a-second-secret-that-is-also-32-characters-long';
const CHANNELS = ['h:*', 'open:*'];

describe('@switchboard/client against a real node with authentication', () => {
  let client: Client;
  let redis: RedisServer;
  let node: GatewayProcess;
  let relay: TcpRelay;
  let env: Record<string, string>;
  const opened: Switchboard[] = [];

  const open = (options: SwitchboardOptions = {}) => {
    const sb = new client.Switchboard(`ws://127.0.0.1:${relay.port}/ws`, { token: () => hsToken({ sub: 'alice', channels: CHANNELS }, env.AUTH_JWT_SECRET), ...options });
    opened.push(sb);
    return sb;
  };
  const connected = (sb: Switchboard) =>
    new Promise<void>((resolve) => {
      if (sb.state === 'connected') resolve();
      else sb.on('connected', () => resolve());
    });
  /** A deploy: a new node with `changes` to the environment takes new connections, then the old one drains. */
  const replaceNode = async (changes: Record<string, string> = {}) => {
    env = { ...env, ...changes };
    const next = await startGatewayProcess(env);
    await eventually(async () => (await getJson(`${next.http}/health/ready`)).status === 200, 20_000, 50);
    relay.retarget(next.port);
    const old = node;
    node = next;
    expect(await old.stop()).toMatchObject({ code: 0 });
  };
  const publishOverHttp = async (channel: string, payload: unknown) => {
    const response = await postJson(`${node.http}/api/publish`, { channel, payload });
    expect(response.status).toBe(202);
    return response.body as { offset: number; epoch: string };
  };

  beforeAll(async () => {
    client = await loadBuiltClient();
    redis = await startRedis();
    env = { TRANSPORT: 'redis', REDIS_URL: redis.url, AUTH_JWT_SECRET: SECRET, HISTORY_CHANNELS: 'h:*', NODE_ID: 'client-session' };
    node = await startGatewayProcess(env);
    relay = await startTcpRelay(node.port);
  });

  afterAll(async () => {
    opened.forEach((sb) => sb.close());
    await relay?.close();
    await node?.kill();
    await redis?.stop();
  });

  it('publish resolves with the ack (offset and epoch on a channel with history) and rejects with the server code', async () => {
    const sb = open();
    const ack = await sb.publish('h:acks', { text: 'hi' });
    expect(ack).toEqual({ channel: 'h:acks', offset: expect.any(Number), epoch: expect.any(String) });
    expect(await sb.publish('open:plain', 1)).toEqual({ channel: 'open:plain' });
    await expect(sb.publish('secret:x', 1)).rejects.toMatchObject({ name: 'SwitchboardError', code: 'FORBIDDEN' });
    await expect(sb.publish('not a channel!', 1)).rejects.toMatchObject({ code: 'INVALID_CHANNEL' });
    const forbidden = sb.subscribe('secret:x');
    await expect(forbidden.ready).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(sb.welcome).toMatchObject({ node: 'client-session', userId: 'alice' });
  });

  it('a burst of 200 mixed requests: every reply and error frame reaches its own request, none RATE_LIMITED (paced)', async () => {
    const sb = open();
    const errors: string[] = [];
    sb.on('error', (error) => errors.push(error.code));
    await connected(sb);
    const started = Date.now();
    const outcomes = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        sb.publish(i % 4 === 3 ? `secret:${i}` : `open:burst`, i).then(
          (ack) => `ok ${ack.channel}`,
          (error: { code: string }) => error.code,
        ),
      ),
    );
    console.log(`[client] 200 publishes in a burst took ${Date.now() - started} ms, paced at 45/s after a burst of 90 (server: 50/s, burst 100)`);
    expect(outcomes).toEqual(Array.from({ length: 200 }, (_, i) => (i % 4 === 3 ? 'FORBIDDEN' : 'ok open:burst')));
    expect(errors).toEqual([]);
  });

  it('unpaced, a burst meets the server rate limit: each refused publish rejects with RATE_LIMITED', async () => {
    const sb = open({ sendRatePerSec: 0 });
    const errors: string[] = [];
    sb.on('error', (error) => errors.push(error.code));
    await connected(sb);
    const outcomes = await Promise.all(Array.from({ length: 140 }, (_, i) => sb.publish('open:unpaced', i).then(() => 'ok', (error: { code: string }) => error.code)));
    const counts = outcomes.reduce<Record<string, number>>((all, outcome) => ({ ...all, [outcome]: (all[outcome] ?? 0) + 1 }), {});
    console.log(`[client] unpaced burst of 140 publishes: ${JSON.stringify(counts)}`);
    expect(counts.RATE_LIMITED).toBeGreaterThan(0);
    expect(counts.ok! + counts.RATE_LIMITED!).toBe(140);
    // Each refusal carried its request's id: nothing was left for the client-wide error event.
    expect(errors).toEqual([]);
  });

  it('a token that expires mid-session is refreshed through the callback before the next upgrade', async () => {
    const issued: number[] = [];
    const sb = open({
      token: async () => {
        const exp = Math.floor(Date.now() / 1000) + 2;
        issued.push(exp);
        return hsToken({ sub: 'alice', channels: CHANNELS, exp });
      },
    });
    const received: unknown[] = [];
    const sub = sb.subscribe('h:expiry', (message) => received.push(message.payload));
    await sub.ready;
    await publishOverHttp('h:expiry', 'before');
    await sleep(2200);
    // The token has expired; the connection lives on (tokens are checked at upgrade) until the deploy.
    const restored = new Promise<unknown>((resolve) => sub.on('subscribed', resolve));
    await replaceNode();
    await publishOverHttp('h:expiry', 'while away');
    expect(await restored).toMatchObject({ resubscribed: true, recovered: true });
    await eventually(() => received.length === 2, 5000, 20);
    expect(received).toEqual(['before', 'while away']);
    expect(issued).toHaveLength(2);
  });

  for (const [implementation, WebSocket, expectedFailures] of [
    ["Node's global WebSocket (sees no HTTP status)", undefined, 2],
    ['the ws package (sees the 401)', WebSocketPackage, 1],
  ] as const) {
    it(`keys rotated during a restart: refused upgrades make the client ask for a fresh token, with ${implementation}`, async () => {
      let secret = env.AUTH_JWT_SECRET!;
      let calls = 0;
      const sb = open({
        ...(WebSocket ? { WebSocket } : {}),
        backoffBaseMs: 100,
        token: async () => {
          calls++;
          return hsToken({ sub: 'alice', channels: CHANNELS }, secret);
        },
      });
      const closes: Array<{ code: number; status?: number }> = [];
      sb.on('disconnected', ({ code, status }) => closes.push({ code, ...(status ? { status } : {}) }));
      const sub = sb.subscribe('h:rotate');
      await sub.ready;
      const restored = new Promise<unknown>((resolve) => sub.on('subscribed', resolve));
      // The token service signs with the new key from now on; the client still holds a token signed with the old one.
      secret = env.AUTH_JWT_SECRET === SECRET ? OTHER_SECRET : SECRET;
      await replaceNode({ AUTH_JWT_SECRET: secret });
      expect(await restored).toMatchObject({ recovered: true });
      const refused = closes.slice(1);
      console.log(`[client] key rotation with ${implementation}: ${refused.length} refused upgrade(s) ${JSON.stringify(refused)}, then a fresh token (${calls} token calls)`);
      expect(closes[0]).toMatchObject({ code: 1012 });
      expect(refused).toHaveLength(expectedFailures);
      if (WebSocket) expect(refused[0]).toEqual({ code: 1006, status: 401 });
      expect(calls).toBe(2);
    });
  }

  it('when no fresh token can be had, the client stops with a clear UNAUTHORIZED error', async () => {
    let calls = 0;
    const sb = open({
      backoffBaseMs: 100,
      token: async () => {
        if (++calls > 1) throw new Error('the session has ended');
        return hsToken({ sub: 'alice', channels: CHANNELS }, env.AUTH_JWT_SECRET);
      },
    });
    await connected(sb);
    const stopped = new Promise<{ code: string; cause?: unknown }>((resolve) => sb.on('error', resolve));
    await replaceNode({ AUTH_JWT_SECRET: env.AUTH_JWT_SECRET === SECRET ? OTHER_SECRET : SECRET });
    expect(await stopped).toMatchObject({ code: 'UNAUTHORIZED', cause: expect.objectContaining({ message: 'the session has ended' }) });
    expect(sb.state).toBe('closed');
  });

  it('the keepalive notices a dead path in well under a second and the client recovers what it missed', async () => {
    const sb = open({ keepaliveIntervalMs: 300, keepaliveTimeoutMs: 300 });
    const received: unknown[] = [];
    const sub = sb.subscribe('h:dead-path', (message) => received.push(message.payload));
    await sub.ready;
    const lost = new Promise<{ code: number; reason: string; at: number }>((resolve) => sb.on('disconnected', (info) => resolve({ ...info, at: Date.now() })));
    const restored = new Promise<{ recovered?: boolean }>((resolve) => sub.on('subscribed', resolve));
    const frozenAt = Date.now();
    relay.freeze();
    await publishOverHttp('h:dead-path', 'into the void');
    const { code, reason, at } = await lost;
    console.log(`[client] dead path noticed ${at - frozenAt} ms after it went silent (keepalive 300 + 300 ms): ${code} ${reason}`);
    expect(code).toBe(1006);
    expect(reason).toContain('keepalive');
    expect(at - frozenAt).toBeLessThan(1500);
    expect(await restored).toMatchObject({ recovered: true });
    await eventually(() => received.length === 1, 5000, 20);
    expect(received).toEqual(['into the void']);
    relay.cutFrozen();
  });

  it('a request on a dead path times out with TIMEOUT', async () => {
    const sb = open({ keepaliveIntervalMs: 0, requestTimeoutMs: 500 });
    await connected(sb);
    relay.freeze();
    await expect(sb.publish('open:void', 1)).rejects.toMatchObject({ code: 'TIMEOUT', sent: true });
    relay.cutFrozen();
  });

  it('publishes made while the node is down wait and are sent on reconnect, or reject at once with offline: reject', async () => {
    // A short backoff cap, so the client is back within a second of the node, however long the node takes to start.
    const waiting = open({ backoffBaseMs: 100, backoffMaxMs: 1000, offlineTimeoutMs: 20_000 });
    const rejecting = open({ offline: 'reject' });
    await Promise.all([connected(waiting), connected(rejecting)]);
    expect(await node.stop()).toMatchObject({ code: 0 });
    await eventually(() => waiting.state !== 'connected' && rejecting.state !== 'connected', 5000, 20);
    const acks = [waiting.publish('h:offline', 1), waiting.publish('h:offline', 2)];
    await expect(rejecting.publish('h:offline', 3)).rejects.toMatchObject({ code: 'OFFLINE', sent: false });
    node = await startGatewayProcess(env);
    relay.retarget(node.port);
    const [first, second] = await Promise.all(acks);
    expect(second!.offset).toBe(first!.offset! + 1);
  });
});
