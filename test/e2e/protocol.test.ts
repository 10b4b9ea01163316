import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type InProcessNode, startInProcessNode } from '../support/in-process-node.js';
import { isMessageOn, TestClient } from '../support/test-client.js';

describe('WebSocket protocol (memory transport, one node)', () => {
  let node: InProcessNode;
  const clients: TestClient[] = [];
  const connect = async () => {
    const client = await TestClient.connect(node.ws);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    node = await startInProcessNode({ NODE_ID: 'proto-node', MAX_PAYLOAD_BYTES: '1024', RATE_LIMIT_BURST: '1000' });
  });
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await node.close();
  });

  it('greets every connection with its id and the node it landed on', async () => {
    const socket = new WebSocket(node.ws);
    const first = await new Promise<any>((resolve) => socket.once('message', (data) => resolve(JSON.parse(data.toString()))));
    socket.close();
    expect(first.event).toBe('welcome');
    expect(first.data.node).toBe('proto-node');
    expect(first.data.connectionId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('echoes data back, with the request id when one was sent', async () => {
    const client = await connect();
    expect(await client.request('echo', { hello: ['wörld', 1] }, 7)).toEqual({ event: 'echo', data: { hello: ['wörld', 1] }, id: 7 });
    client.send({ event: 'echo', data: 'no id' });
    expect(await client.next()).toEqual({ event: 'echo', data: 'no id' });
  });

  it('subscribes and unsubscribes, answering with the channel and id', async () => {
    const client = await connect();
    expect(await client.request('subscribe', { channel: 'room:1' }, 'a')).toEqual({ event: 'subscribed', data: { channel: 'room:1' }, id: 'a' });
    expect(await client.request('unsubscribe', { channel: 'room:1' }, 'b')).toEqual({ event: 'unsubscribed', data: { channel: 'room:1' }, id: 'b' });
  });

  it('delivers a publish to every subscriber, the publisher included, naming the origin node', async () => {
    const [alice, bob, carol] = [await connect(), await connect(), await connect()];
    await alice.subscribe('news');
    await bob.subscribe('news');
    const before = Date.now();
    expect(await alice.request('publish', { channel: 'news', payload: { text: 'hi' } }, 1)).toEqual({
      event: 'published',
      data: { channel: 'news' },
      id: 1,
    });
    for (const client of [alice, bob]) {
      const message = await client.next(isMessageOn('news'));
      expect(message.data).toMatchObject({ channel: 'news', payload: { text: 'hi' }, node: 'proto-node' });
      expect(message.data.ts).toBeGreaterThanOrEqual(before - 5);
      expect(message.data.ts).toBeLessThanOrEqual(Date.now());
      expect(message.id).toBeUndefined();
    }
    expect(await carol.countWithin(isMessageOn('news'), 150)).toBe(0);
  });

  it('sends no ack to a publish without an id, and stops delivering after unsubscribe', async () => {
    const client = await connect();
    await client.subscribe('quiet');
    client.send({ event: 'publish', data: { channel: 'quiet', payload: null } });
    expect(await client.next()).toMatchObject({ event: 'message', data: { channel: 'quiet', payload: null } });
    await client.request('unsubscribe', { channel: 'quiet' });
    client.send({ event: 'publish', data: { channel: 'quiet', payload: 2 } });
    expect(await client.countWithin(() => true, 150)).toBe(0);
  });

  it('keeps one publisher\'s 500 messages in order', async () => {
    const [publisher, subscriber] = [await connect(), await connect()];
    await subscriber.subscribe('ordered');
    for (let i = 0; i < 500; i++) publisher.send({ event: 'publish', data: { channel: 'ordered', payload: i } });
    const received = await subscriber.collect(isMessageOn('ordered'), 500);
    expect(received.map((frame) => frame.data.payload)).toEqual([...Array(500).keys()]);
  });

  describe('bad input gets an error frame and the connection stays usable', () => {
    const cases: Array<[string, unknown, string, (string | number)?]> = [
      ['not JSON', '{"event": "echo"', 'BAD_JSON'],
      ['a JSON array', '[1,2]', 'BAD_REQUEST'],
      ['a JSON string', '"echo"', 'BAD_REQUEST'],
      ['no event', { data: 1, id: 3 }, 'BAD_REQUEST', 3],
      ['a numeric event', { event: 5, id: 'n' }, 'BAD_REQUEST', 'n'],
      ['an object id', { event: 'echo', data: 1, id: { x: 1 } }, 'BAD_REQUEST'],
      ['an unknown event', { event: 'teleport', data: {}, id: 'u' }, 'UNKNOWN_EVENT', 'u'],
      ['a prototype key as event', { event: 'constructor', data: {} }, 'UNKNOWN_EVENT'],
      ['subscribe without data', { event: 'subscribe', id: 9 }, 'BAD_REQUEST', 9],
      ['subscribe with extra fields', { event: 'subscribe', data: { channel: 'a', x: 1 } }, 'BAD_REQUEST'],
      ['a channel with a space', { event: 'subscribe', data: { channel: 'a b' }, id: 'c' }, 'INVALID_CHANNEL', 'c'],
      ['an empty channel', { event: 'subscribe', data: { channel: '' } }, 'INVALID_CHANNEL'],
      ['a 201-character channel', { event: 'publish', data: { channel: 'x'.repeat(201), payload: 1 } }, 'INVALID_CHANNEL'],
      ['a numeric channel', { event: 'unsubscribe', data: { channel: 42 } }, 'INVALID_CHANNEL'],
      ['publish without payload', { event: 'publish', data: { channel: 'ok' }, id: 'p' }, 'BAD_REQUEST', 'p'],
    ];
    it.each(cases)('%s → %s', async (_name, frame, code, id) => {
      const client = await connect();
      client.send(frame);
      const error = await client.next();
      expect(error.event).toBe('error');
      expect(error.data.code).toBe(code);
      expect(typeof error.data.message).toBe('string');
      expect(error.data.message.length).toBeGreaterThan(0);
      expect(error.id).toEqual(id);
      expect(await client.request('echo', 'still here')).toMatchObject({ event: 'echo', data: 'still here' });
    });

    it('binary frame → BAD_REQUEST', async () => {
      const client = await connect();
      client.socket.send(Buffer.from([1, 2, 3]), { binary: true });
      expect((await client.next()).data.code).toBe('BAD_REQUEST');
      expect(await client.request('echo', 1)).toMatchObject({ event: 'echo' });
    });
  });

  it('closes only the offending connection with 1009 when a frame exceeds MAX_PAYLOAD_BYTES', async () => {
    const [offender, bystander] = [await connect(), await connect()];
    await bystander.subscribe('after-big');
    offender.send({ event: 'echo', data: 'x'.repeat(2048) });
    expect((await offender.closed).code).toBe(1009);
    expect(await bystander.request('echo', 'fine')).toMatchObject({ data: 'fine' });
    const fresh = await connect();
    await fresh.request('publish', { channel: 'after-big', payload: 'ok' });
    expect((await bystander.next(isMessageOn('after-big'))).data.payload).toBe('ok');
  });

  it('answers an upgrade on another path with 404', async () => {
    const response = await new Promise<number>((resolve) => {
      const socket = new WebSocket(node.ws.replace('/ws', '/nope'));
      socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.on('error', () => undefined);
    });
    expect(response).toBe(404);
  });
});
