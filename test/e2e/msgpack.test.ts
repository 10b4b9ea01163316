import { encode } from '@msgpack/msgpack';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from '../support/http.js';
import { type InProcessNode, startInProcessNode } from '../support/in-process-node.js';
import { isMessageOn, TestClient } from '../support/test-client.js';

/**
 * The switchboard.msgpack subprotocol end to end, driven by @msgpack/msgpack (not the
 * library the server uses): binary MessagePack frames both ways, the same event model,
 * and JSON and MessagePack subscribers side by side on one channel.
 */
describe('MessagePack subprotocol', () => {
  let node: InProcessNode;
  const clients: TestClient[] = [];
  const connect = async (format: 'json' | 'msgpack') => {
    const client = await TestClient.connect(node.ws, { format });
    clients.push(client);
    return client;
  };
  beforeAll(async () => {
    node = await startInProcessNode({ NODE_ID: 'mp', HISTORY_CHANNELS: 'hist:*' });
  });
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await node.close();
  });

  it('agrees on switchboard.msgpack and speaks binary MessagePack from the welcome on', async () => {
    const client = await connect('msgpack');
    expect(client.socket.protocol).toBe('switchboard.msgpack');
    expect(client.welcome).toMatchObject({ event: 'welcome', data: { node: 'mp', connectionId: expect.any(String) } });
    expect(await client.request('echo', { nested: [1, 'two', null] }, 7)).toEqual({ event: 'echo', data: { nested: [1, 'two', null] }, id: 7 });
    expect(client.wrongFormat).toBe(0);
  });

  it('prefers the format the client lists first, and stays JSON for switchboard.json', async () => {
    const plain = await connect('json');
    expect(plain.socket.protocol).toBe('');
    const socket = new WebSocket(node.ws, ['switchboard.json', 'switchboard.msgpack']);
    await new Promise((resolve) => socket.once('open', resolve));
    expect(socket.protocol).toBe('switchboard.json');
    socket.close();
  });

  it('answers errors with the request id, and a text frame on a MessagePack connection with BAD_REQUEST', async () => {
    const client = await connect('msgpack');
    expect(await client.request('nope', {}, 'e1')).toMatchObject({ event: 'error', id: 'e1', data: { code: 'UNKNOWN_EVENT' } });
    client.send('{"event":"echo","data":1,"id":"text"}');
    expect(await client.next((frame) => frame.event === 'error')).toMatchObject({ data: { code: 'BAD_REQUEST' } });
    // A map cut short: not MessagePack.
    client.socket.send(Buffer.from([0x82, 0xa5]));
    expect(await client.next((frame) => frame.event === 'error')).toMatchObject({ data: { code: 'BAD_REQUEST', message: 'frame is not valid MessagePack' } });
    expect((await client.request('echo', 'still open')).data).toBe('still open');
  });

  it('delivers one broadcast to JSON and MessagePack subscribers, binary payloads as bytes or as the $binary marker', async () => {
    const [packed, json, publisher] = [await connect('msgpack'), await connect('json'), await connect('msgpack')];
    await packed.subscribe('mixed');
    await json.subscribe('mixed');
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    expect(await publisher.request('publish', { channel: 'mixed', payload: { blob: bytes, text: 'héllo' } })).toMatchObject({ event: 'published' });
    const toPacked = await packed.next(isMessageOn('mixed'));
    expect(toPacked.data).toMatchObject({ channel: 'mixed', node: 'mp', payload: { text: 'héllo' } });
    expect(new Uint8Array(toPacked.data.payload.blob)).toEqual(bytes);
    const toJson = await json.next(isMessageOn('mixed'));
    expect(toJson.data.payload).toEqual({ blob: { $binary: Buffer.from(bytes).toString('base64') }, text: 'héllo' });
    // And from a JSON publisher (HTTP) to both.
    await postJson(`${node.http}/api/publish`, { channel: 'mixed', payload: [1, { a: true }] });
    expect((await packed.next(isMessageOn('mixed'))).data.payload).toEqual([1, { a: true }]);
    expect((await json.next(isMessageOn('mixed'))).data.payload).toEqual([1, { a: true }]);
    expect(packed.wrongFormat + json.wrongFormat).toBe(0);
  });

  it('takes 64-bit integers from another MessagePack library as numbers (a timestamp payload, a large request id)', async () => {
    const [publisher, subscriber] = [await connect('msgpack'), await connect('msgpack')];
    await subscriber.subscribe('big-ints');
    const now = Date.now();
    expect(await publisher.request('publish', { channel: 'big-ints', payload: { t: now, n: 2 ** 40 } }, 2 ** 33)).toMatchObject({ event: 'published', id: 2 ** 33 });
    expect((await subscriber.next(isMessageOn('big-ints'))).data.payload).toEqual({ t: now, n: 2 ** 40 });
  });

  it('carries history positions and recovers over MessagePack', async () => {
    const client = await connect('msgpack');
    const subscribed = await client.request('subscribe', { channel: 'hist:mp' });
    expect(subscribed.data).toMatchObject({ channel: 'hist:mp', offset: 0, epoch: expect.any(String) });
    client.close();
    for (let i = 0; i < 3; i++) await postJson(`${node.http}/api/publish`, { channel: 'hist:mp', payload: i });
    const back = await connect('msgpack');
    back.socket.send(encode({ event: 'subscribe', data: { channel: 'hist:mp', since: { offset: 0, epoch: subscribed.data.epoch } }, id: 'r' }));
    expect((await back.next((frame) => frame.id === 'r')).data).toMatchObject({ recovered: true, offset: 3 });
    const recovered = await back.collect(isMessageOn('hist:mp'), 3);
    expect(recovered.map((frame) => [frame.data.payload, frame.data.offset])).toEqual([[0, 1], [1, 2], [2, 3]]);
  });
});
