import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, postJson } from '../support/http.js';
import { type InProcessNode, startInProcessNode } from '../support/in-process-node.js';
import { type Frame, isMessageOn, TestClient } from '../support/test-client.js';

/**
 * History and recovery through the real protocol on one in-process node (memory
 * backend). The same flows run across nodes on Redis and Kafka in test/multinode/.
 */
describe('history and recovery (memory)', () => {
  let node: InProcessNode;
  const clients: TestClient[] = [];
  const connect = async () => {
    const client = await TestClient.connect(node.ws);
    clients.push(client);
    return client;
  };
  const publishHttp = (channel: string, payload: unknown) => postJson(`${node.http}/api/publish`, { channel, payload });

  beforeAll(async () => {
    node = await startInProcessNode({ NODE_ID: 'hist', HISTORY_CHANNELS: 'chat:*,small:*', HISTORY_SIZE: '50', RECOVERY_MAX_MESSAGES: '30', RATE_LIMIT_BURST: '1000' });
  });
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await node.close();
  });

  it('answers subscribe with the position, and message frames carry offset and epoch', async () => {
    const client = await connect();
    const reply = await client.request('subscribe', { channel: 'chat:pos' });
    expect(reply).toMatchObject({ event: 'subscribed', data: { channel: 'chat:pos', offset: 0, epoch: expect.stringMatching(/^[0-9a-f]+$/) } });
    expect(reply.data).not.toHaveProperty('recovered');
    const published = await client.request('publish', { channel: 'chat:pos', payload: 'one' });
    expect(published).toMatchObject({ event: 'published', data: { channel: 'chat:pos', offset: 1, epoch: reply.data.epoch } });
    const message = await client.next(isMessageOn('chat:pos'));
    expect(message.data).toEqual({ channel: 'chat:pos', payload: 'one', node: 'hist', ts: expect.any(Number), offset: 1, epoch: reply.data.epoch });
  });

  it('leaves channels without history exactly as they were', async () => {
    const client = await connect();
    expect(await client.request('subscribe', { channel: 'plain' })).toEqual({ event: 'subscribed', data: { channel: 'plain' }, id: expect.any(String) });
    expect((await client.request('publish', { channel: 'plain', payload: 1 })).data).toEqual({ channel: 'plain' });
    expect(Object.keys((await client.next(isMessageOn('plain'))).data).sort()).toEqual(['channel', 'node', 'payload', 'ts']);
    const http = await publishHttp('plain', 2);
    expect(http.body).toEqual({ accepted: true, channel: 'plain', ts: expect.any(Number) });
  });

  it('recovers what a subscriber missed: reply first, then the missed messages in order, then live ones', async () => {
    const first = await connect();
    const subscribed = await first.request('subscribe', { channel: 'chat:gap' });
    for (let i = 0; i < 3; i++) await publishHttp('chat:gap', `before-${i}`);
    const seen = await first.collect(isMessageOn('chat:gap'), 3);
    const last = seen.at(-1)!.data;
    first.close();
    for (let i = 0; i < 20; i++) await publishHttp('chat:gap', `missed-${i}`);

    const second = await connect();
    second.send({ event: 'subscribe', data: { channel: 'chat:gap', since: { offset: last.offset, epoch: last.epoch } }, id: 'rec' });
    await publishHttp('chat:gap', 'live-0');
    const frames: Frame[] = [];
    while (frames.filter(isMessageOn('chat:gap')).length < 21) frames.push(await second.next((frame) => frame.id === 'rec' || isMessageOn('chat:gap')(frame)));
    expect(frames[0]).toMatchObject({ event: 'subscribed', id: 'rec', data: { channel: 'chat:gap', epoch: subscribed.data.epoch, recovered: true } });
    const messages = frames.slice(1).map((frame) => frame.data);
    expect(messages.map((m) => m.payload)).toEqual([...[...Array(20).keys()].map((i) => `missed-${i}`), 'live-0']);
    expect(messages.map((m) => m.offset)).toEqual([...Array(21).keys()].map((i) => last.offset + 1 + i));
    expect(await second.countWithin(isMessageOn('chat:gap'), 100)).toBe(0);
  });

  it.each([
    ['a stale epoch', { offset: 1, epoch: 'feedbeef0000' }, 'epoch_changed'],
    ['a position ahead of the stream', { offset: 999, epoch: undefined }, 'epoch_changed'],
    ['a position older than the history', { offset: 0, epoch: undefined }, 'too_old'],
  ])('says recovered: false with a reason for %s, and goes on live', async (_name, since, reason) => {
    const client = await connect();
    const channel = `small:${reason}-${since.offset}`;
    const { data } = await client.request('subscribe', { channel });
    for (let i = 0; i < 60; i++) await publishHttp(channel, i);
    await client.collect(isMessageOn(channel), 60);
    client.close();
    const back = await connect();
    const reply = await back.request('subscribe', { channel, since: { offset: since.offset, epoch: since.epoch ?? data.epoch } });
    expect(reply.data).toMatchObject({ channel, recovered: false, reason, offset: 60, epoch: data.epoch });
    expect(await back.countWithin(isMessageOn(channel), 100)).toBe(0);
    await publishHttp(channel, 'after');
    expect((await back.next(isMessageOn(channel))).data).toMatchObject({ payload: 'after', offset: 61 });
  });

  it('says too_many past RECOVERY_MAX_MESSAGES rather than replaying a partial gap', async () => {
    const client = await connect();
    const { data } = await client.request('subscribe', { channel: 'chat:many' });
    client.close();
    for (let i = 0; i < 31; i++) await publishHttp('chat:many', i);
    const back = await connect();
    const reply = await back.request('subscribe', { channel: 'chat:many', since: { offset: data.offset, epoch: data.epoch } });
    expect(reply.data).toMatchObject({ recovered: false, reason: 'too_many', offset: 31 });
    expect(await back.countWithin(isMessageOn('chat:many'), 100)).toBe(0);
  });

  it('says history_off when asked to recover on a channel without history', async () => {
    const client = await connect();
    const reply = await client.request('subscribe', { channel: 'plain:x', since: { offset: 3, epoch: 'abc' } });
    expect(reply.data).toEqual({ channel: 'plain:x', recovered: false, reason: 'history_off' });
  });

  it.each([
    [{ offset: -1, epoch: 'abc' }],
    [{ offset: 1.5, epoch: 'abc' }],
    [{ offset: 1 }],
    [{ offset: 1, epoch: 'a|b' }],
    ['1'],
  ])('answers a malformed since %j with BAD_REQUEST and its id', async (since) => {
    const client = await connect();
    const reply = await client.request('subscribe', { channel: 'chat:bad', since }, 'bad-since');
    expect(reply).toMatchObject({ event: 'error', id: 'bad-since', data: { code: 'BAD_REQUEST' } });
    expect((await client.request('echo', 'still here')).data).toBe('still here');
  });

  describe('HTTP', () => {
    it('POST /api/publish answers with offset and epoch on a channel with history', async () => {
      const response = await publishHttp('chat:http', { n: 1 });
      expect(response.status).toBe(202);
      expect(response.body).toEqual({ accepted: true, channel: 'chat:http', ts: expect.any(Number), offset: 1, epoch: expect.any(String) });
    });

    it('GET /api/channels/{channel}/history pages forward from `since`, or gives the latest', async () => {
      for (let i = 2; i <= 5; i++) await publishHttp('chat:http', { n: i });
      const page = await getJson(`${node.http}/api/channels/chat:http/history?since=1&limit=2`);
      expect(page.status).toBe(200);
      expect(page.body).toEqual({
        channel: 'chat:http',
        offset: 5,
        epoch: expect.any(String),
        more: true,
        truncated: false,
        publications: [
          { offset: 2, ts: expect.any(Number), node: 'hist', payload: { n: 2 } },
          { offset: 3, ts: expect.any(Number), node: 'hist', payload: { n: 3 } },
        ],
      });
      const latest = await getJson(`${node.http}/api/channels/chat:http/history?limit=2`);
      expect(latest.body.publications.map((p: { offset: number }) => p.offset)).toEqual([4, 5]);
    });

    it('takes percent-encoded channel names with slashes', async () => {
      await publishHttp('chat:a/b', 'slash');
      const page = await getJson(`${node.http}/api/channels/${encodeURIComponent('chat:a/b')}/history`);
      expect(page.body).toMatchObject({ channel: 'chat:a/b', publications: [{ payload: 'slash' }] });
    });

    it.each([
      ['a channel without history', '/api/channels/plain/history', 404, 'HISTORY_OFF'],
      ['an invalid channel', `/api/channels/${encodeURIComponent('no spaces')}/history`, 400, 'INVALID_CHANNEL'],
      ['a bad since', '/api/channels/chat:http/history?since=-4', 400, 'BAD_REQUEST'],
      ['a limit over 1000', '/api/channels/chat:http/history?limit=5000', 400, 'BAD_REQUEST'],
      ['an unknown parameter', '/api/channels/chat:http/history?sinse=3', 400, 'BAD_REQUEST'],
    ])('answers %s with %i and a code', async (_name, path, status, code) => {
      const response = await getJson(`${node.http}${path}`);
      expect(response.status).toBe(status);
      expect(response.body).toMatchObject({ statusCode: status, code, message: expect.any(String) });
    });
  });
});

describe('history API credentials', () => {
  let node: InProcessNode;
  beforeAll(async () => {
    node = await startInProcessNode({ HISTORY_CHANNELS: 'chat:*', API_KEY: 'back-end-key', ADMIN_TOKEN: 'operator-token' });
  });
  afterAll(() => node.close());

  it('takes the API key or the admin token, and nothing else', async () => {
    const url = `${node.http}/api/channels/chat:x/history`;
    expect((await getJson(url, { authorization: 'Bearer back-end-key' })).status).toBe(200);
    expect((await getJson(url, { authorization: 'Bearer operator-token' })).status).toBe(200);
    const refused = await getJson(url, { authorization: 'Bearer guess' });
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
    expect((await getJson(url)).status).toBe(401);
  });
});
