import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join, normalize } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBinary } from '../infra/ensure-binary.js';
import { makeTempDir, sleep } from '../infra/managed-process.js';
import { type RedisServer, startRedis } from '../infra/redis-server.js';
import { eventually, type GatewayProcess, startGatewayProcess } from '../support/gateway-process.js';
import { getJson, postJson } from '../support/http.js';
import { hsToken, SECRET } from '../support/tokens.js';
import { CLIENT_DIST } from './support/built-client.js';
import { startTcpRelay, type TcpRelay } from './support/tcp-relay.js';

/**
 * The same built client, unchanged, in real Chromium (Debian's, driven by playwright-core
 * as the dashboard test does): a page on its own origin imports packages/client/dist as
 * ES modules and connects, with a JWT from its token callback in the `bearer.<jwt>`
 * subprotocol, to a node that allows that origin. The node is replaced (a deploy) while
 * a back end publishes; the page must see every message once, in order.
 */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

const PAGE = `<!doctype html>
<meta charset="utf-8">
<title>@switchboard/client in a browser</title>
<script type="module">
  import { Switchboard } from '/client/index.js';
  // What an application would write; the test reads window.seen.
  window.seen = { states: [], received: [], subscribed: [], gaps: [], errors: [] };
  window.start = (url) => {
    const sb = new Switchboard(url, { token: () => window.fetchToken() });
    sb.on('state', (state) => window.seen.states.push(state));
    sb.on('error', (error) => window.seen.errors.push(error.code));
    const sub = sb.subscribe('h:browser', (message) => window.seen.received.push(message.payload));
    sub.on('subscribed', (info) => window.seen.subscribed.push(info));
    sub.on('gap', (gap) => window.seen.gaps.push(gap.reason));
    window.sb = sb;
    return sub.ready.then(() => sb.welcome);
  };
  window.publish = (payload) => window.sb.publish('h:browser', payload);
  window.publishForbidden = () => window.sb.publish('secret:x', 1).then(() => 'published', (error) => error.code);
  window.ready = true;
</script>`;

/** Serves the page and the built client from one origin. */
async function startPageServer(): Promise<{ server: Server; origin: string }> {
  const server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://page').pathname;
    if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
      return;
    }
    const file = normalize(path.replace(/^\/client\//, ''));
    if (!path.startsWith('/client/') || file.startsWith('..')) {
      response.writeHead(404).end();
      return;
    }
    try {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(await readFile(join(CLIENT_DIST, file)));
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as { port: number }).port}` };
}

describe('@switchboard/client in real Chromium', () => {
  let redis: RedisServer;
  let node: GatewayProcess;
  let relay: TcpRelay;
  let pageServer: Server;
  let browser: BrowserContext;
  let page: Page;
  let env: Record<string, string>;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const [executablePath, pages, startedRedis] = await Promise.all([ensureBinary('chromium', 'chromium'), startPageServer(), startRedis()]);
    redis = startedRedis;
    pageServer = pages.server;
    env = { TRANSPORT: 'redis', REDIS_URL: redis.url, HISTORY_CHANNELS: 'h:*', AUTH_JWT_SECRET: SECRET, ALLOWED_ORIGINS: pages.origin, NODE_ID: 'browser-a' };
    node = await startGatewayProcess(env);
    relay = await startTcpRelay(node.port);
    browser = await chromium.launchPersistentContext(makeTempDir('switchboard-client-chromium-'), { executablePath, headless: true, args: CHROMIUM_ARGS });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.exposeFunction('fetchToken', () => hsToken({ sub: 'browser-user', channels: ['h:*'] }));
    await page.goto(pages.origin);
    await page.waitForFunction('window.ready === true');
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await relay?.close();
    await node?.kill();
    await redis?.stop();
    pageServer?.close();
  });

  it('connects with a token from its callback, subscribes, publishes and gets the ack and the server error codes', async () => {
    const welcome = await page.evaluate(`window.start('ws://127.0.0.1:${relay.port}/ws')`);
    expect(welcome).toMatchObject({ node: 'browser-a', userId: 'browser-user' });
    const ack = await page.evaluate('window.publish("from the page")');
    expect(ack).toEqual({ channel: 'h:browser', offset: expect.any(Number), epoch: expect.any(String) });
    expect(await page.evaluate('window.publishForbidden()')).toBe('FORBIDDEN');
    await expect.poll(() => page.evaluate('window.seen.received'), { timeout: 5000 }).toEqual(['from the page']);
  });

  it('across a deploy (new node, old one drained with 1012) it resubscribes and recovers: every message once, in order', async () => {
    const published: number[] = [];
    let publishing = true;
    const publisher = (async () => {
      for (let i = 0; publishing; i++) {
        const response = await postJson(`${node.http}/api/publish`, { channel: 'h:browser', payload: i }).catch(() => undefined);
        if (response?.status === 202) published.push(i);
        await sleep(10);
      }
    })();
    await sleep(300);
    // The deploy: the new node takes new connections, the old one drains.
    const next = await startGatewayProcess({ ...env, NODE_ID: 'browser-b' });
    await eventually(async () => (await getJson(`${next.http}/health/ready`)).status === 200, 20_000, 50);
    relay.retarget(next.port);
    const old = node;
    node = next;
    expect(await old.stop()).toMatchObject({ code: 0 });
    await sleep(500);
    publishing = false;
    await publisher;

    await expect.poll(() => page.evaluate('window.seen.received.length'), { timeout: 10_000 }).toBe(published.length + 1);
    const seen = (await page.evaluate('window.seen')) as { states: string[]; received: unknown[]; subscribed: Array<{ resubscribed: boolean; recovered?: boolean }>; gaps: string[]; errors: string[] };
    console.log(`[client] Chromium across a deploy: ${published.length} messages published over HTTP, ${seen.received.length - 1} received by the page; states ${seen.states.join(' → ')}`);
    expect(seen.received).toEqual(['from the page', ...published]);
    expect(seen.states).toEqual(['connecting', 'connected', 'disconnected', 'connecting', 'connected']);
    expect(seen.subscribed.at(-1)).toMatchObject({ resubscribed: true, recovered: true });
    expect(seen.gaps).toEqual([]);
    expect(seen.errors).toEqual([]);
    expect(pageErrors).toEqual([]);
    expect(await page.evaluate('window.sb.welcome.node')).toBe('browser-b');
  });
});
