import fc from 'fast-check';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/gateway-process.js';
import { getJson } from '../support/http.js';
import { type InProcessNode, startInProcessNode } from '../support/in-process-node.js';
import { closeCodeOf, frame, rawUpgrade } from '../support/raw-websocket.js';
import { TestClient } from '../support/test-client.js';
import { upgradeStatus } from '../support/upgrade.js';

describe('abuse limits', () => {
  let node: InProcessNode;
  beforeAll(async () => {
    node = await startInProcessNode({
      RATE_LIMIT_PER_SEC: '5',
      RATE_LIMIT_BURST: '10',
      MAX_SUBSCRIPTIONS_PER_CONNECTION: '3',
      MAX_CONNECTIONS_PER_IP: '3',
      INVALID_FRAMES_PER_MINUTE: '5',
      HTTP_HEADERS_TIMEOUT_MS: '500',
      MAX_PAYLOAD_BYTES: '4096',
    });
  });
  afterAll(() => node.close());

  it('answers a burst over the rate with RATE_LIMITED, then closes with 1008 if it persists', async () => {
    const client = await TestClient.connect(node.ws);
    for (let i = 0; i < 15; i++) client.send({ event: 'echo', data: i });
    const replies = await client.collect(() => true, 15);
    expect(replies.filter((f) => f.event === 'echo')).toHaveLength(10);
    expect(replies.filter((f) => f.event === 'error' && f.data.code === 'RATE_LIMITED')).toHaveLength(5);
    for (let i = 0; i < 50; i++) client.send({ event: 'echo', data: i });
    expect((await client.closed).code).toBe(1008);
  });

  it('caps subscriptions per connection with TOO_MANY_SUBSCRIPTIONS', async () => {
    const client = await TestClient.connect(node.ws);
    for (const channel of ['a', 'b', 'c']) await client.subscribe(channel);
    expect(await client.request('subscribe', { channel: 'd' })).toMatchObject({ event: 'error', data: { code: 'TOO_MANY_SUBSCRIPTIONS' } });
    await client.subscribe('a'); // already held: not a new subscription
    client.close();
  });

  it('refuses a connection past MAX_CONNECTIONS_PER_IP with 429, and admits again once one closes', async () => {
    await eventually(async () => (await getJson(`${node.http}/api/overview`)).body.connections === 0);
    const held = [await TestClient.connect(node.ws), await TestClient.connect(node.ws), await TestClient.connect(node.ws)];
    const refused = await upgradeStatus(node.ws);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatch(/MAX_CONNECTIONS_PER_IP/);
    // X-Forwarded-For from a trusted proxy (loopback by default) names the real client.
    const other = await upgradeStatus(node.ws, { headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(other.status).toBe(101);
    other.socket!.close();
    held[0]!.close();
    await held[0]!.closed;
    await eventually(async () => {
      const retry = await upgradeStatus(node.ws);
      retry.socket?.close();
      return retry.status === 101;
    });
    held.slice(1).forEach((client) => client.close());
    await Promise.all(held.map((client) => client.closed));
  });

  it('closes a client with 1008 after too many invalid frames in a minute', async () => {
    const client = await TestClient.connect(node.ws);
    for (let i = 0; i < 6; i++) client.send('not json');
    expect((await client.closed).code).toBe(1008);
    expect(client.frames.filter((f) => f.event === 'error' && f.data.code === 'BAD_JSON').length).toBeGreaterThanOrEqual(5);
  });

  it('drops a connection that dribbles its headers (slowloris) at the deadline', async () => {
    const socket = connect({ port: node.port, host: '127.0.0.1' });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /ws HTTP/1.1\r\nHost: x\r\n');
    const dribble = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 100);
    const started = Date.now();
    await new Promise((resolve) => socket.once('close', resolve));
    clearInterval(dribble);
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await getJson(`${node.http}/health/live`)).status).toBe(200);
  });

  it('answers oversized headers with 431 and stays up', async () => {
    const result = await upgradeStatus(node.ws, { headers: { 'x-big': 'x'.repeat(32 * 1024) } });
    expect([431, 0]).toContain(result.status);
    expect((await getJson(`${node.http}/health/live`)).status).toBe(200);
  });

  it('closes a fragment flood with 1008 (ws maxFragments), or 1009 once the total exceeds the payload limit', async () => {
    const { socket, response } = await rawUpgrade(node.port);
    expect(response).toMatch(/^HTTP\/1.1 101/);
    const code = closeCodeOf(socket);
    socket.write(frame(0x1, Buffer.alloc(0), false));
    for (let i = 0; i < 2000 && socket.writable; i++) socket.write(frame(0x0, Buffer.alloc(0), false));
    expect(await code).toBe(1008);
    socket.destroy();

    const big = await rawUpgrade(node.port);
    const bigCode = closeCodeOf(big.socket);
    big.socket.write(frame(0x1, Buffer.alloc(1000, 97), false));
    for (let i = 0; i < 10 && big.socket.writable; i++) big.socket.write(frame(0x0, Buffer.alloc(1000, 97), false));
    expect(await bigCode).toBe(1009);
    big.socket.destroy();
  });

  it('closes a ping flood with 1008', async () => {
    const { socket } = await rawUpgrade(node.port);
    const code = closeCodeOf(socket);
    for (let i = 0; i < 500 && socket.writable; i++) socket.write(frame(0x9, Buffer.from('p')));
    expect(await code).toBe(1008);
    socket.destroy();
    expect((await getJson(`${node.http}/health/live`)).status).toBe(200);
  });
});

describe('fuzzing a running node', () => {
  let node: InProcessNode;
  beforeAll(async () => {
    node = await startInProcessNode({ RATE_LIMIT_PER_SEC: '100000', RATE_LIMIT_BURST: '100000', INVALID_FRAMES_PER_MINUTE: '1000000', MAX_PAYLOAD_BYTES: '2048' });
  });
  afterAll(() => node.close());

  const events = ['echo', 'subscribe', 'unsubscribe', 'publish', 'welcome', 'message', '', '__proto__', 'constructor'];
  const frameArbitrary = fc.oneof(
    fc.string({ maxLength: 300 }).map((text) => ({ text })),
    fc.jsonValue({ maxDepth: 4 }).map((value) => ({ text: JSON.stringify(value) })),
    fc
      .record(
        {
          event: fc.oneof(fc.constantFrom(...events), fc.string(), fc.integer()),
          data: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.record({ channel: fc.oneof(fc.string({ maxLength: 250 }), fc.integer()), payload: fc.jsonValue({ maxDepth: 2 }) })),
          id: fc.oneof(fc.string(), fc.integer(), fc.double(), fc.jsonValue({ maxDepth: 1 })),
        },
        { requiredKeys: [] },
      )
      .map((value) => ({ text: JSON.stringify(value) })),
    fc.uint8Array({ maxLength: 3000 }).map((bytes) => ({ binary: Buffer.from(bytes) })),
  );
  const allowed = new Set(['welcome', 'echo', 'error', 'subscribed', 'unsubscribed', 'published', 'message']);

  it('answers random and malformed frames only with protocol frames or close codes, and stays up', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(frameArbitrary, { minLength: 1, maxLength: 15 }), async (frames) => {
        const client = await TestClient.connect(node.ws);
        for (const f of frames) {
          if ('binary' in f) client.socket.send(f.binary, { binary: true });
          else client.socket.send(f.text);
        }
        client.send({ event: 'echo', data: 'probe', id: 'probe' });
        const outcome = await Promise.race([
          client.next((f) => f.id === 'probe', 5000).then(() => 'alive' as const),
          client.closed.then((close) => close.code),
        ]);
        expect(['alive', 1009]).toContain(outcome);
        for (const received of client.frames) expect(allowed.has(received.event)).toBe(true);
        for (const error of client.frames.filter((f) => f.event === 'error')) expect(error.data.code).toMatch(/^[A-Z_]+$/);
        client.close();
      }),
      { numRuns: 150 },
    );
    expect((await getJson(`${node.http}/health/live`)).status).toBe(200);
  });
});
