import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess } from '../support/gateway-process.js';
import { type InProcessNode, startInProcessNode } from '../support/in-process-node.js';
import { postJson } from '../support/http.js';
import { isMessageOn, TestClient } from '../support/test-client.js';
import { hmacToken, hsToken, nowSeconds, rsaKeys, SECRET, unsignedToken } from '../support/tokens.js';
import { upgradeStatus } from '../support/upgrade.js';

describe('origin check', () => {
  let listed: InProcessNode;
  let sameOrigin: InProcessNode;
  beforeAll(async () => {
    listed = await startInProcessNode({ ALLOWED_ORIGINS: 'https://app.example.com,http://localhost:8080' });
    sameOrigin = await startInProcessNode({});
  });
  afterAll(async () => Promise.all([listed.close(), sameOrigin.close()]));

  it.each([
    ['https://app.example.com', 101],
    ['HTTPS://APP.EXAMPLE.COM', 101],
    ['http://localhost:8080', 101],
    ['https://evil.example.com', 403],
    ['https://app.example.com.evil.io', 403],
    ['https://evilapp.example.com', 403],
    ['http://app.example.com', 403],
    ['https://app.example.com:8443', 403],
    ['null', 403],
  ])('ALLOWED_ORIGINS list: Origin %s → %i', async (origin, status) => {
    const result = await upgradeStatus(listed.ws, { origin });
    result.socket?.close();
    expect(result.status).toBe(status);
    if (status === 403) expect(result.body).toMatch(/not allowed/);
  });

  it('lets a request without Origin through to authentication (auth off here: accepted)', async () => {
    const result = await upgradeStatus(listed.ws);
    result.socket?.close();
    expect(result.status).toBe(101);
  });

  it('defaults to same-origin: the page must come from the host it connects to', async () => {
    const own = await upgradeStatus(sameOrigin.ws, { origin: sameOrigin.http });
    own.socket?.close();
    expect(own.status).toBe(101);
    expect((await upgradeStatus(sameOrigin.ws, { origin: 'https://elsewhere.example' })).status).toBe(403);
    expect((await upgradeStatus(sameOrigin.ws, { origin: 'null' })).status).toBe(403);
  });
});

describe('JWT authentication at upgrade (HS256)', () => {
  let node: InProcessNode;
  beforeAll(async () => {
    node = await startInProcessNode({ AUTH_JWT_SECRET: SECRET, AUTH_JWT_AUDIENCE: 'switchboard', AUTH_JWT_ISSUER: 'https://issuer.test' });
  });
  afterAll(() => node.close());
  const good = (extra: Record<string, unknown> = {}) => hsToken({ sub: 'alice', aud: 'switchboard', iss: 'https://issuer.test', ...extra });

  it('accepts a token from the Authorization header and names the user in the welcome', async () => {
    const client = await TestClient.connect(node.ws, { headers: { authorization: `Bearer ${await good()}` } });
    client.close();
    expect(client.welcome).toMatchObject({ event: 'welcome', data: { userId: 'alice', node: expect.any(String) } });
  });

  it('accepts a token from a bearer.<jwt> subprotocol and answers with the switchboard subprotocol', async () => {
    const result = await upgradeStatus(node.ws, { protocols: ['switchboard', `bearer.${await good()}`] });
    expect(result.status).toBe(101);
    expect(result.socket!.protocol).toBe('switchboard');
    result.socket!.close();
  });

  it('accepts a token from the access_token query parameter', async () => {
    const result = await upgradeStatus(`${node.ws}?access_token=${await good()}`);
    expect(result.status).toBe(101);
    result.socket!.close();
  });

  it.each<[string, () => Promise<string | undefined>, RegExp]>([
    ['no token', async () => undefined, /missing token/],
    ['an expired token', () => good({ exp: nowSeconds() - 60 }), /expired/],
    ['a token not valid yet (nbf)', () => good({ nbf: nowSeconds() + 600 }), /nbf/],
    ['the wrong audience', () => good({ aud: 'someone-else' }), /aud/],
    ['the wrong issuer', () => good({ iss: 'https://evil.test' }), /iss/],
    ['no sub', () => hsToken({ aud: 'switchboard', iss: 'https://issuer.test' }), /sub/],
    ['a bad signature', () => hsToken({ sub: 'alice', aud: 'switchboard', iss: 'https://issuer.test' }, 'another-secret-of-at-least-32-characters!!'), /signature/],
    ['alg none', async () => unsignedToken({ sub: 'alice', aud: 'switchboard', iss: 'https://issuer.test', exp: nowSeconds() + 60 }), /algorithm|invalid/],
    ['garbage', async () => 'not.a.jwt', /malformed|invalid/],
  ])('refuses %s with 401 before the upgrade', async (_name, token, message) => {
    const value = await token();
    const result = await upgradeStatus(node.ws, value === undefined ? {} : { headers: { authorization: `Bearer ${value}` } });
    expect(result.status).toBe(401);
    expect(result.body).toMatch(message);
  });
});

describe('JWT authentication with public keys (RS256)', () => {
  let keys: Awaited<ReturnType<typeof rsaKeys>>;
  let pemNode: InProcessNode;
  let jwksNode: InProcessNode;
  let jwksServer: Server;
  beforeAll(async () => {
    keys = await rsaKeys();
    jwksServer = createServer((_req, res) => res.end(JSON.stringify({ keys: [keys.jwk] })));
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks.json`;
    pemNode = await startInProcessNode({ AUTH_JWT_PUBLIC_KEY: keys.pem });
    jwksNode = await startInProcessNode({ AUTH_JWKS_URL: jwksUrl });
  });
  afterAll(async () => {
    await Promise.all([pemNode.close(), jwksNode.close()]);
    jwksServer.close();
  });

  it('accepts an RS256 token with AUTH_JWT_PUBLIC_KEY and with AUTH_JWKS_URL', async () => {
    for (const node of [pemNode, jwksNode]) {
      const result = await upgradeStatus(node.ws, { headers: { authorization: `Bearer ${await keys.sign({ sub: 'bob' })}` } });
      expect(result.status).toBe(101);
      result.socket!.close();
    }
  });

  it('refuses key confusion: an HS256 token signed with the public key as HMAC secret', async () => {
    const forged = hmacToken({ sub: 'mallory', exp: nowSeconds() + 60 }, keys.pem);
    for (const node of [pemNode, jwksNode]) {
      const result = await upgradeStatus(node.ws, { headers: { authorization: `Bearer ${forged}` } });
      expect(result.status).toBe(401);
    }
  });
});

describe('channel authorization from the token', () => {
  let node: InProcessNode;
  beforeAll(async () => {
    node = await startInProcessNode({ AUTH_JWT_SECRET: SECRET });
  });
  afterAll(() => node.close());
  const connectAs = async (sub: string, channels: unknown) =>
    TestClient.connect(node.ws, { headers: { authorization: `Bearer ${await hsToken({ sub, channels })}` } });

  it('allows only the channels the claim lists, on every subscribe and publish', async () => {
    const alice = await connectAs('alice', { subscribe: ['chat:*', 'news'], publish: ['chat:*'] });
    expect(await alice.request('subscribe', { channel: 'chat:lobby' })).toMatchObject({ event: 'subscribed' });
    expect(await alice.request('subscribe', { channel: 'news' })).toMatchObject({ event: 'subscribed' });
    expect(await alice.request('subscribe', { channel: 'admin' }, 's1')).toMatchObject({ event: 'error', data: { code: 'FORBIDDEN' }, id: 's1' });
    expect(await alice.request('publish', { channel: 'news', payload: 1 })).toMatchObject({ event: 'error', data: { code: 'FORBIDDEN' } });
    expect(await alice.request('publish', { channel: 'chat:lobby', payload: 'hi' })).toMatchObject({ event: 'published' });
    expect((await alice.next(isMessageOn('chat:lobby'))).data.payload).toBe('hi');
    alice.close();
  });

  it('reserves user:<sub>: a user may subscribe to its own only; back-ends reach it over HTTP', async () => {
    const alice = await connectAs('alice', ['*']);
    const bob = await connectAs('bob', ['*']);
    expect(await alice.request('subscribe', { channel: 'user:alice' })).toMatchObject({ event: 'subscribed' });
    expect(await bob.request('subscribe', { channel: 'user:alice' })).toMatchObject({ event: 'error', data: { code: 'FORBIDDEN' } });
    expect(await bob.request('publish', { channel: 'user:alice', payload: 'spoof' })).toMatchObject({ event: 'error', data: { code: 'FORBIDDEN' } });
    expect((await postJson(`${node.http}/api/publish`, { channel: 'user:alice', payload: 'for alice' })).status).toBe(202);
    expect((await alice.next(isMessageOn('user:alice'))).data.payload).toBe('for alice');
    expect(await bob.countWithin(isMessageOn('user:alice'), 100)).toBe(0);
    alice.close();
    bob.close();
  });

  it('grants nothing when the claim is missing', async () => {
    const client = await connectAs('carol', undefined);
    expect(await client.request('subscribe', { channel: 'anything' })).toMatchObject({ event: 'error', data: { code: 'FORBIDDEN' } });
    client.close();
  });
});

describe('tokens in logs', () => {
  it('never writes a token to the log, whichever way it was sent', async () => {
    const node = await startGatewayProcess({ AUTH_JWT_SECRET: SECRET, LOG_LEVEL: 'trace' });
    try {
      const token = await hsToken({ sub: 'dave' });
      const bad = `${token.slice(0, -4)}AAAA`;
      for (const value of [token, bad]) {
        (await upgradeStatus(node.ws, { headers: { authorization: `Bearer ${value}` } })).socket?.close();
        (await upgradeStatus(`${node.ws}?access_token=${value}`)).socket?.close();
        (await upgradeStatus(node.ws, { protocols: ['switchboard', `bearer.${value}`] })).socket?.close();
        await postJson(`${node.http}/api/publish?access_token=${value}`, { channel: 'x', payload: 1 }, { authorization: `Bearer ${value}` });
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      const logs = node.logs();
      expect(logs.length).toBeGreaterThan(100);
      expect(logs).not.toContain(token.split('.')[2]);
      expect(logs).not.toContain(bad.split('.')[2]);
    } finally {
      await node.kill();
    }
  });
});
