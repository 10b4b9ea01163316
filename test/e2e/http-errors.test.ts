import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeLifecycle } from '#libs/health';
import { getJson, postJson as post } from '../support/http.js';
import { type InProcessNode, startInProcessNode } from '../support/in-process-node.js';

const shared = (statusCode: number, code: string) => ({ statusCode, code, message: expect.stringMatching(/\S{3}/) });

/** Every HTTP error answers one body, `{statusCode, code, message}` (README "HTTP API"). */
describe('HTTP error bodies', () => {
  let node: InProcessNode;
  let locked: InProcessNode;

  beforeAll(async () => {
    node = await startInProcessNode({ NODE_ID: 'errors-node', MAX_PAYLOAD_BYTES: '4096', HISTORY_CHANNELS: 'chat:*' });
    locked = await startInProcessNode({ NODE_ID: 'locked-node', API_KEY: 'k3y', ADMIN_TOKEN: 'adm1n' });
  });
  afterAll(async () => {
    await Promise.all([node.close(), locked.close()]);
  });

  it('400 BAD_JSON for a body that is not JSON, the code the WebSocket uses', async () => {
    const response = await post(`${node.http}/api/publish`, '{"channel":');
    expect(response.status).toBe(400);
    expect(response.body).toEqual(shared(400, 'BAD_JSON'));
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('413 PAYLOAD_TOO_LARGE for a body over MAX_PAYLOAD_BYTES + 1024', async () => {
    const response = await post(`${node.http}/api/publish`, { channel: 'a', payload: 'x'.repeat(4096 + 1024) });
    expect(response.status).toBe(413);
    expect(response.body).toEqual(shared(413, 'PAYLOAD_TOO_LARGE'));
    // Just under the limit is accepted.
    expect((await post(`${node.http}/api/publish`, { channel: 'a', payload: 'x'.repeat(4096) })).status).toBe(202);
  });

  it('415 UNSUPPORTED_MEDIA_TYPE for a JSON body in a charset the parser does not read', async () => {
    const response = await post(`${node.http}/api/publish`, '{"channel":"a","payload":1}', { 'content-type': 'application/json; charset=latin1' });
    expect(response.status).toBe(415);
    expect(response.body).toEqual(shared(415, 'UNSUPPORTED_MEDIA_TYPE'));
  });

  it.each([
    ['GET', '/nope'],
    ['GET', '/api/nope'],
    ['POST', '/api/nope'],
    ['GET', '/api/publish'],
    ['DELETE', '/api/nodes'],
    ['GET', '/health'],
    ['GET', '/health/nope'],
  ])('404 NOT_FOUND for an unknown route: %s %s', async (method, path) => {
    const response = await fetch(`${node.http}${path}`, { method });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual(shared(404, 'NOT_FOUND'));
  });

  it('400 BAD_REQUEST for a path parameter with a broken percent-encoding', async () => {
    const response = await getJson(`${node.http}/api/channels/%E0%A4%A/history`);
    expect(response.status).toBe(400);
    expect(response.body).toEqual(shared(400, 'BAD_REQUEST'));
  });

  it('404 HISTORY_OFF and 400 INVALID_CHANNEL from the history API keep the shape', async () => {
    expect((await getJson(`${node.http}/api/channels/plain/history`)).body).toEqual(shared(404, 'HISTORY_OFF'));
    expect((await getJson(`${node.http}/api/channels/${encodeURIComponent('no spaces')}/history`)).body).toEqual(shared(400, 'INVALID_CHANNEL'));
  });

  it.each([
    ['POST /api/publish', 'POST', '/api/publish'],
    ['GET /api/nodes', 'GET', '/api/nodes'],
    ['GET /api/channels', 'GET', '/api/channels'],
    ['GET /api/overview', 'GET', '/api/overview'],
    ['GET /api/channels/{channel}/history', 'GET', '/api/channels/chat:x/history'],
  ])('401 UNAUTHORIZED with WWW-Authenticate without credentials: %s', async (_name, method, path) => {
    const response = await fetch(`${locked.http}${path}`, { method, headers: { 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await response.json()).toEqual(shared(401, 'UNAUTHORIZED'));
  });

  it('the guards run before the body is looked at: 401, not 400, for a bad body without credentials', async () => {
    const response = await post(`${locked.http}/api/publish`, { nope: true });
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('UNAUTHORIZED');
  });

  it('keeps /health/* bodies exactly as terminus answers them', async () => {
    const live = await getJson(`${node.http}/health/live`);
    expect(live.status).toBe(200);
    expect(Object.keys(live.body).sort()).toEqual(['details', 'error', 'info', 'status']);
    expect(live.body.status).toBe('ok');
  });
});

describe('/health/ready while draining', () => {
  let node: InProcessNode;
  beforeAll(async () => {
    node = await startInProcessNode({ NODE_ID: 'errors-drain' });
  });
  afterAll(() => node.close());

  it('answers 503 with terminus\'s body, untouched by the error filter (balancers read it)', async () => {
    node.app.get(NodeLifecycle).startDraining();
    const ready = await getJson(`${node.http}/health/ready`);
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({
      status: 'error',
      info: { transport: { status: 'up', kind: 'memory', detail: 'in-process' }, connections: { status: 'up', open: 0, max: 'unlimited' } },
      error: { drain: { status: 'down', draining: true } },
      details: {
        transport: { status: 'up', kind: 'memory', detail: 'in-process' },
        drain: { status: 'down', draining: true },
        connections: { status: 'up', open: 0, max: 'unlimited' },
      },
    });
  });
});
