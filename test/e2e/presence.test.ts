import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson } from '../support/http.js';
import { type InProcessNode, startInProcessNode } from '../support/in-process-node.js';
import { TestClient } from '../support/test-client.js';
import { hsToken, SECRET } from '../support/tokens.js';

describe('presence on one node', () => {
  let node: InProcessNode;
  const clients: TestClient[] = [];
  const connectAs = async (sub: string, claims: Record<string, unknown> = {}) => {
    const token = await hsToken({ sub, channels: ['room:*', 'plain'], ...claims });
    const client = await TestClient.connect(node.ws, { headers: { authorization: `Bearer ${token}` } });
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    node = await startInProcessNode({ NODE_ID: 'presence-node', AUTH_JWT_SECRET: SECRET, PRESENCE_CHANNELS: 'room:*', API_KEY: 'k3y' });
  });
  afterAll(async () => {
    clients.forEach((client) => client.close());
    await node.close();
  });

  it("lists the token's sub and its presence claim as info; a claim over 256 bytes is left out", async () => {
    const small = await connectAs('ann', { presence: { name: 'Ann', avatar: 3 } });
    const big = await connectAs('ben', { presence: { blob: 'x'.repeat(300) } });
    await small.subscribe('room:info');
    await big.subscribe('room:info');
    await small.subscribe('room:info'); // idempotent: still one entry
    const members = (await small.request('presence', { channel: 'room:info' })).data.members;
    expect(members).toEqual([
      { connectionId: small.welcome.data.connectionId, userId: 'ann', node: 'presence-node', joinedAt: expect.any(Number), info: { name: 'Ann', avatar: 3 } },
      { connectionId: big.welcome.data.connectionId, userId: 'ben', node: 'presence-node', joinedAt: expect.any(Number) },
    ]);
    const http = await getJson(`${node.http}/api/channels/room:info/presence`, { authorization: 'Bearer k3y' });
    expect(http.body).toMatchObject({ channel: 'room:info', connections: 2, users: 2, truncated: false });
  });

  it('answers errors with the request id: FORBIDDEN outside the token, PRESENCE_OFF, BAD_REQUEST', async () => {
    const client = await connectAs('cid');
    expect(await client.request('presence', { channel: 'other:1' }, 5)).toMatchObject({ event: 'error', id: 5, data: { code: 'FORBIDDEN' } });
    expect(await client.request('presence_stats', { channel: 'plain' }, 6)).toMatchObject({ event: 'error', id: 6, data: { code: 'PRESENCE_OFF' } });
    expect(await client.request('presence', {}, 7)).toMatchObject({ event: 'error', id: 7, data: { code: 'BAD_REQUEST' } });
    expect(await client.request('subscribe', { channel: 'room:1', presence: 'yes' }, 8)).toMatchObject({ event: 'error', id: 8, data: { code: 'BAD_REQUEST' } });
  });

  it('removes the entry on unsubscribe and on disconnect', async () => {
    const [one, two] = [await connectAs('dee'), await connectAs('eve')];
    await one.subscribe('room:gone');
    await two.subscribe('room:gone');
    const stats = async () => (await one.request('presence_stats', { channel: 'room:gone' })).data;
    expect(await stats()).toMatchObject({ connections: 2 });
    two.close();
    await two.closed;
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await stats()).toMatchObject({ connections: 1, users: 1 });
    await one.request('unsubscribe', { channel: 'room:gone' });
    expect(await stats()).toMatchObject({ connections: 0, users: 0 });
  });
});
