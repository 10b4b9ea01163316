import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/gateway-process.js';
import { getJson, postJson as post } from '../support/http.js';
import { type InProcessNode, startInProcessNode } from '../support/in-process-node.js';
import { isMessageOn, TestClient } from '../support/test-client.js';


describe('HTTP API', () => {
  let node: InProcessNode;
  let open: InProcessNode;
  let subscriber: TestClient;

  beforeAll(async () => {
    node = await startInProcessNode({ NODE_ID: 'http-node', API_KEY: 's3cret' });
    open = await startInProcessNode({ NODE_ID: 'open-node' });
    subscriber = await TestClient.connect(node.ws);
    await subscriber.subscribe('orders');
  });
  afterAll(async () => {
    subscriber.close();
    await Promise.all([node.close(), open.close()]);
  });

  it('POST /api/publish with the API key → 202 and the message reaches subscribers', async () => {
    const response = await post(`${node.http}/api/publish`, { channel: 'orders', payload: { id: 42 } }, { authorization: 'Bearer s3cret' });
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ accepted: true, channel: 'orders', ts: expect.any(Number) });
    const message = await subscriber.next(isMessageOn('orders'));
    expect(message.data).toMatchObject({ channel: 'orders', payload: { id: 42 }, node: 'http-node' });
  });

  it.each([
    ['no Authorization header', {}],
    ['a wrong key', { authorization: 'Bearer nope' }],
    ['a key of another length', { authorization: 'Bearer s3cret-and-more' }],
    ['another scheme', { authorization: 'Basic s3cret' }],
  ])('401 with %s, and nothing is published', async (_name, headers) => {
    const response = await post(`${node.http}/api/publish`, { channel: 'orders', payload: 'x' }, headers);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(response.body.message).toMatch(/API key/);
    expect(await subscriber.countWithin(isMessageOn('orders'), 100)).toBe(0);
  });

  it('is open when API_KEY is not set', async () => {
    expect((await post(`${open.http}/api/publish`, { channel: 'a', payload: 1 })).status).toBe(202);
  });

  it.each([
    ['a bad channel', { channel: 'no spaces', payload: 1 }, 'INVALID_CHANNEL'],
    ['a missing channel', { payload: 1 }, 'BAD_REQUEST'],
    ['an empty body', {}, 'BAD_REQUEST'],
    ['a channel that is not a string', { channel: 5, payload: 1 }, 'INVALID_CHANNEL'],
    ['a missing payload', { channel: 'a' }, 'BAD_REQUEST'],
    ['an extra field', { channel: 'a', payload: 1, x: 2 }, 'BAD_REQUEST'],
    ['an array body', [1], 'BAD_REQUEST'],
  ])('400 with a message for %s', async (_name, body, code) => {
    const response = await post(`${open.http}/api/publish`, body);
    expect(response.status).toBe(400);
    const json = response.body;
    expect(json.code).toBe(code);
    expect(json.message.length).toBeGreaterThan(5);
  });

  it('400 for a body that is not JSON', async () => {
    const response = await post(`${open.http}/api/publish`, '{"channel":');
    expect(response.status).toBe(400);
  });

  it('413 for a body over the payload limit', async () => {
    const response = await post(`${open.http}/api/publish`, { channel: 'a', payload: 'x'.repeat(70_000) });
    expect(response.status).toBe(413);
  });

  it('GET /api/nodes lists this node with its live counts; /api/channels sums subscribers', async () => {
    const second = await TestClient.connect(node.ws);
    await second.subscribe('orders');
    await second.subscribe('alerts');
    const { body: nodes } = await getJson(`${node.http}/api/nodes`);
    expect(nodes).toHaveLength(1);
    expect(nodes[0]).toMatchObject({ id: 'http-node', connections: 2, channels: 2, subscriptions: 3, ready: true, draining: false, status: 'ready', transport: 'memory' });
    expect(nodes[0].startedAt).toBeLessThanOrEqual(nodes[0].lastSeen);
    const { body: channels } = await getJson(`${node.http}/api/channels`);
    expect(channels).toEqual([
      { channel: 'orders', subscribers: 2, nodes: 1, messagesPerSec: expect.any(Number) },
      { channel: 'alerts', subscribers: 1, nodes: 1, messagesPerSec: 0 },
    ]);
    second.close();
    await second.closed;
  });

  it('GET /api/overview sums the cluster and names the transport', async () => {
    // The client closed by the previous test may still be on its way out.
    const { status, body } = await eventually(async () => {
      const response = await getJson(`${node.http}/api/overview`);
      return response.body.connections === 1 ? response : undefined;
    });
    expect(status).toBe(200);
    expect(body).toEqual({
      node: 'http-node',
      transport: { kind: 'memory', ready: true, detail: 'in-process' },
      nodes: { up: 1, gone: 0 },
      connections: 1,
      messagesInPerSec: expect.any(Number),
      messagesOutPerSec: expect.any(Number),
      adminProtected: false,
    });
    // The departed client's subscriptions went with it.
    expect((await getJson(`${node.http}/api/channels`)).body).toEqual([{ channel: 'orders', subscribers: 1, nodes: 1, messagesPerSec: expect.any(Number) }]);
  });

  it('health: live and ready answer 200 with a JSON status', async () => {
    for (const path of ['/health/live', '/health/ready']) {
      const response = await getJson(`${node.http}${path}`);
      expect(response.status).toBe(200);
      expect(response.body.status).toBe('ok');
    }
  });

  it('GET /metrics exposes the connections gauge and message counters by event', async () => {
    const client = await TestClient.connect(open.ws);
    await client.request('echo', 1);
    client.send('garbage');
    await client.next((f) => f.event === 'error');
    const text = await (await fetch(`${open.http}/metrics`)).text();
    expect(text).toMatch(/^switchboard_connections 1$/m);
    expect(text).toMatch(/^switchboard_messages_received_total\{event="echo"\} 1$/m);
    expect(text).toMatch(/^switchboard_messages_received_total\{event="BAD_JSON"\} 1$/m);
    expect(text).toMatch(/^switchboard_messages_sent_total\{event="welcome"\} 1$/m);
    expect(text).toMatch(/^switchboard_process_cpu_seconds_total /m);
    client.close();
  });
});
