import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson as post } from '../support/http.js';
import { type InProcessNode, startInProcessNode } from '../support/in-process-node.js';
import { isMessageOn, TestClient } from '../support/test-client.js';
import { hsToken, SECRET } from '../support/tokens.js';

describe('server-side control (POST /api/disconnect, /api/subscribe, /api/unsubscribe)', () => {
  let node: InProcessNode;
  const clients: TestClient[] = [];
  const key = { authorization: 'Bearer k3y' };
  const connectAs = async (sub: string) => {
    const client = await TestClient.connect(node.ws, { headers: { authorization: `Bearer ${await hsToken({ sub, channels: ['*'] })}` } });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    node = await startInProcessNode({ NODE_ID: 'control-node', API_KEY: 'k3y', AUTH_JWT_SECRET: SECRET });
  });
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await node.close();
  });

  it("subscribes and unsubscribes every connection of a user, telling each with an unsolicited frame", async () => {
    const [first, second, other] = [await connectAs('alice'), await connectAs('alice'), await connectAs('bob')];
    const joined = await post(`${node.http}/api/subscribe`, { userId: 'alice', channel: 'room:1' }, key);
    expect(joined).toMatchObject({ status: 200, body: { affected: 2, nodes: ['control-node'], unanswered: [] } });
    for (const client of [first, second]) expect((await client.next((f) => f.event === 'subscribed')).data).toEqual({ channel: 'room:1' });
    // Already subscribed: not counted again.
    expect((await post(`${node.http}/api/subscribe`, { userId: 'alice', channel: 'room:1' }, key)).body.affected).toBe(0);
    await post(`${node.http}/api/publish`, { channel: 'room:1', payload: 'hi' }, key);
    for (const client of [first, second]) expect((await client.next(isMessageOn('room:1'))).data.payload).toBe('hi');
    expect(await other.countWithin(isMessageOn('room:1'), 100)).toBe(0);
    const left = await post(`${node.http}/api/unsubscribe`, { userId: 'alice', channel: 'room:1' }, key);
    expect(left.body.affected).toBe(2);
    for (const client of [first, second]) expect((await client.next((f) => f.event === 'unsubscribed')).data).toEqual({ channel: 'room:1' });
  });

  it('disconnects by connection id and by user, with the close code and reason given', async () => {
    const [one, two] = [await connectAs('carol'), await connectAs('carol')];
    const byId = await post(`${node.http}/api/disconnect`, { connectionId: one.welcome.data.connectionId, code: 4001, reason: 'kicked' }, key);
    expect(byId.body.affected).toBe(1);
    expect(await one.closed).toEqual({ code: 4001, reason: 'kicked' });
    expect((await post(`${node.http}/api/disconnect`, { userId: 'carol' }, key)).body.affected).toBe(1);
    expect((await two.closed).code).toBe(1000);
  });

  it.each([
    ['both ids', { userId: 'a', connectionId: 'b' }],
    ['neither id', { code: 4000 }],
    ['a close code outside 1000 / 4000-4999', { userId: 'a', code: 1008 }],
    ['a reason over 123 bytes', { userId: 'a', reason: 'é'.repeat(62) }],
    ['an extra field', { userId: 'a', force: true }],
  ])('disconnect with %s → 400 BAD_REQUEST', async (_name, body) => {
    const response = await post(`${node.http}/api/disconnect`, body, key);
    expect(response).toMatchObject({ status: 400, body: { statusCode: 400, code: 'BAD_REQUEST', message: expect.any(String) } });
  });

  it('401 without the API key', async () => {
    expect((await post(`${node.http}/api/subscribe`, { userId: 'a', channel: 'x' })).body).toMatchObject({ statusCode: 401, code: 'UNAUTHORIZED' });
  });
});
