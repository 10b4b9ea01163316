import { execFile } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBinary } from '../infra/ensure-binary.js';
import { makeTempDir } from '../infra/managed-process.js';
import { type RedisServer, startRedis } from '../infra/redis-server.js';
import { eventually, type GatewayProcess, startGatewayProcess } from '../support/gateway-process.js';
import { getJson, postJson } from '../support/http.js';
import { TestClient } from '../support/test-client.js';

/**
 * The admin dashboard in a real browser (Debian's chromium, driven by playwright-core)
 * against two real nodes of the built app on a real redis-server, plus one node with
 * ADMIN_TOKEN for the token gate. Tests run in order and share the cluster; the
 * destructive ones (node kill, redis outage) come last. Screenshots land in test-output/.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUTPUT = join(ROOT, 'test-output');
const HEARTBEAT_MS = 500;
const ADMIN_TOKEN = 'e2e-admin-token-7f3a';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];
const POLL = { timeout: 12_000, interval: 200 };

const run = promisify(execFile);

/** The nodes serve admin-ui/dist: build it from the current sources (Vite takes about a second). */
async function buildDashboard(): Promise<void> {
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  await run(process.execPath, [vite, 'build', '--config', 'admin-ui/vite.config.ts', '--logLevel', 'warn'], { cwd: ROOT, timeout: 120_000 });
  statSync(join(ROOT, 'admin-ui', 'dist', 'index.html'));
}

const testId = (id: string) => `[data-testid="${id}"]`;
const nodeRow = (nodeId: string) => `[data-testid="node-row"][data-node-id="${nodeId}"]`;
const channelRow = (channel: string) => `[data-testid="channel-row"][data-channel="${channel}"]`;

/** The `data-value` of the first element matching `selector`, or undefined while there is none. */
async function valueOf(page: Page, selector: string): Promise<string | undefined> {
  const locator = page.locator(selector).first();
  if ((await locator.count()) === 0) return undefined;
  return (await locator.getAttribute('data-value')) ?? undefined;
}
const numberOf = async (page: Page, selector: string) => {
  const value = await valueOf(page, selector);
  return value === undefined ? undefined : Number(value);
};
const attributeOf = async (page: Page, selector: string, name: string) => {
  const locator = page.locator(selector).first();
  return (await locator.count()) === 0 ? undefined : ((await locator.getAttribute(name)) ?? undefined);
};

describe('admin dashboard in a real browser', () => {
  let redis: RedisServer;
  let a: GatewayProcess;
  let b: GatewayProcess;
  let guarded: GatewayProcess;
  let browser: BrowserContext;
  let page: Page;
  const clients: TestClient[] = [];
  let onA: TestClient[] = [];
  let onB: TestClient[] = [];
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  let publisher: NodeJS.Timeout | undefined;

  const connect = async (node: GatewayProcess) => {
    const client = await TestClient.connect(node.ws);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    const [executablePath] = await Promise.all([ensureBinary('chromium', 'chromium'), buildDashboard()]);
    redis = await startRedis();
    const cluster = { TRANSPORT: 'redis', REDIS_URL: redis.url, NODE_HEARTBEAT_MS: String(HEARTBEAT_MS) };
    [a, b, guarded] = await Promise.all([
      startGatewayProcess({ ...cluster, NODE_ID: 'dash-node-a' }),
      startGatewayProcess({ ...cluster, NODE_ID: 'dash-node-b' }),
      // Its own cluster (own redis prefix), so it does not show up in the others' view.
      startGatewayProcess({ ...cluster, REDIS_PREFIX: 'guarded:', NODE_ID: 'dash-guarded', ADMIN_TOKEN }),
    ]);
    for (const node of [a, b]) await eventually(async () => (await getJson(`${node.http}/api/nodes`)).body.length === 2, 15_000);

    mkdirSync(OUTPUT, { recursive: true });
    browser = await chromium.launchPersistentContext(makeTempDir('switchboard-chromium-'), {
      executablePath,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 900 },
      colorScheme: 'light',
      locale: 'en-US',
      timezoneId: 'UTC',
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
  }, 240_000);

  afterAll(async () => {
    if (publisher) clearInterval(publisher);
    clients.forEach((client) => client.close());
    await browser?.close().catch(() => undefined);
    await Promise.all([a, b, guarded].filter(Boolean).map((node) => node.kill()));
    await redis?.kill();
  });

  it('serves the dashboard at /admin with its assets cached for good', async () => {
    const response = await page.goto(`${a.http}/admin`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['cache-control']).toBe('no-cache');
    const script = await page.locator('script[type="module"]').getAttribute('src');
    expect(script).toMatch(/^\/admin\/assets\/index-[\w-]+\.js$/);
    const asset = await fetch(`${a.http}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
  });

  it('lists both nodes as ready, with the transport and an unprotected notice', async () => {
    await page.waitForSelector(nodeRow(a.nodeId), { timeout: 15_000 });
    await page.waitForSelector(nodeRow(b.nodeId), { timeout: 15_000 });
    await expect.poll(() => attributeOf(page, nodeRow(a.nodeId), 'data-status'), POLL).toBe('ready');
    await expect.poll(() => attributeOf(page, nodeRow(b.nodeId), 'data-status'), POLL).toBe('ready');
    expect(await page.locator(testId('node-row')).count()).toBe(2);
    expect(await numberOf(page, testId('total-nodes-up'))).toBe(2);
    expect(await page.locator(testId('answered-by')).innerText()).toContain(a.nodeId);
    expect(await valueOf(page, testId('transport-status'))).toBe('up');
    expect(await page.locator(testId('transport-status')).innerText()).toContain('redis');
    expect(await page.locator(testId('unprotected-notice')).innerText()).toContain('ADMIN_TOKEN is not set');
    expect(await page.locator(testId('login-form')).count()).toBe(0);
  });

  it('counts connections as WebSocket clients connect, per node and in total', async () => {
    const before = (await numberOf(page, testId('total-connections'))) ?? -1;
    expect(before).toBe(0);
    [onA, onB] = await Promise.all([Promise.all([connect(a), connect(a), connect(a)]), Promise.all([connect(b), connect(b)])]);
    await expect.poll(() => numberOf(page, testId('total-connections')), POLL).toBe(before + 5);
    await expect.poll(() => numberOf(page, `${nodeRow(a.nodeId)} ${testId('node-connections')}`), POLL).toBe(3);
    await expect.poll(() => numberOf(page, `${nodeRow(b.nodeId)} ${testId('node-connections')}`), POLL).toBe(2);
  });

  it('shows a channel with its subscribers across the cluster, and its traffic', async () => {
    expect(await page.locator(channelRow('orders.eu')).count()).toBe(0);
    await Promise.all([onA[0]!.subscribe('orders.eu'), onA[1]!.subscribe('orders.eu'), onB[0]!.subscribe('orders.eu'), onB[1]!.subscribe('alerts')]);
    await expect.poll(() => numberOf(page, `${channelRow('orders.eu')} ${testId('channel-subscribers')}`), POLL).toBe(3);
    expect(await numberOf(page, `${channelRow('orders.eu')} ${testId('channel-nodes')}`)).toBe(2);
    await expect.poll(() => numberOf(page, `${channelRow('alerts')} ${testId('channel-subscribers')}`), POLL).toBe(1);

    // Steady traffic on orders.eu, published through the HTTP API of node A.
    publisher = setInterval(() => {
      void postJson(`${a.http}/api/publish`, { channel: 'orders.eu', payload: { n: Date.now() } }).catch(() => undefined);
    }, 50);
    await expect.poll(async () => ((await numberOf(page, `${channelRow('orders.eu')} ${testId('channel-rate')}`)) ?? 0) > 0, POLL).toBe(true);
    await expect.poll(async () => ((await numberOf(page, testId('total-messages-out'))) ?? 0) > 0, POLL).toBe(true);
    // The busiest channel comes first; filtering narrows the table.
    expect(await page.locator(testId('channel-row')).first().getAttribute('data-channel')).toBe('orders.eu');
    await page.fill(testId('channel-filter'), 'alert');
    await expect.poll(() => page.locator(testId('channel-row')).count(), POLL).toBe(1);
    expect(await page.locator(testId('channel-row')).first().getAttribute('data-channel')).toBe('alerts');
    await page.fill(testId('channel-filter'), '');
    await expect.poll(() => page.locator(testId('channel-row')).count(), POLL).toBe(2);
  });

  it('draws the connection and message-rate charts from the polls', async () => {
    await expect.poll(async () => Number(await attributeOf(page, testId('chart-connections'), 'data-samples')) >= 4, POLL).toBe(true);
    for (const chart of ['chart-connections', 'chart-messages-in', 'chart-messages-out']) {
      expect(await page.locator(`${testId(chart)} canvas`).count()).toBe(1);
      const legend = await page.locator(`${testId(chart)} .u-legend`).innerText();
      expect(legend).toContain(a.nodeId);
      expect(legend).toContain(b.nodeId);
    }
    // Let the charts show a few seconds of traffic, then keep a picture of the live cluster.
    await page.waitForTimeout(6_000);
    await page.screenshot({ path: join(OUTPUT, 'admin-dashboard.png'), fullPage: true });
    // The system's dark setting switches the theme, charts included.
    const background = () => page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    const light = await background();
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(background, POLL).not.toBe(light);
    await page.waitForTimeout(2_500);
    await page.screenshot({ path: join(OUTPUT, 'admin-dashboard-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
    expect(await page.locator(`${testId('chart-connections')} canvas`).count()).toBe(1);
    expect(pageErrors).toEqual([]);
    expect(consoleErrors).toEqual([]);
  }, 40_000);

  it('shows a killed node as gone rather than dropping it', async () => {
    if (publisher) clearInterval(publisher);
    await b.kill();
    await expect.poll(() => attributeOf(page, nodeRow(b.nodeId), 'data-status'), POLL).toBe('gone');
    expect(await page.locator(`${nodeRow(b.nodeId)} ${testId('node-status')}`).innerText()).toBe('Gone');
    await expect.poll(() => numberOf(page, testId('total-nodes-up')), POLL).toBe(1);
    expect(await numberOf(page, testId('total-nodes-gone'))).toBe(1);
    expect(await page.locator(testId('gone-notice')).count()).toBe(1);
    expect(await attributeOf(page, nodeRow(a.nodeId), 'data-status')).toBe('ready');
    // Its connections and subscribers no longer count: only node A's remain.
    await expect.poll(() => numberOf(page, testId('total-connections')), POLL).toBe(3);
    await expect.poll(() => numberOf(page, `${channelRow('orders.eu')} ${testId('channel-subscribers')}`), POLL).toBe(2);
    expect(await numberOf(page, `${channelRow('orders.eu')} ${testId('channel-nodes')}`)).toBe(1);
    expect(await page.locator(channelRow('alerts')).count()).toBe(0);
    await page.screenshot({ path: join(OUTPUT, 'admin-dashboard-node-gone.png'), fullPage: true });
  });

  describe('with ADMIN_TOKEN set', () => {
    let gate: Page;

    beforeAll(async () => {
      gate = await browser.newPage();
      gate.setDefaultTimeout(10_000);
    });
    afterAll(async () => {
      await gate.close();
    });

    it('protects the admin API itself', async () => {
      expect((await getJson(`${guarded.http}/api/overview`)).status).toBe(401);
      expect((await getJson(`${guarded.http}/api/nodes`, { authorization: 'Bearer nope' })).status).toBe(401);
      const ok = await getJson(`${guarded.http}/api/overview`, { authorization: `Bearer ${ADMIN_TOKEN}` });
      expect(ok.status).toBe(200);
      expect(ok.body.adminProtected).toBe(true);
    });

    it('shows a login form and nothing of the cluster', async () => {
      await gate.goto(`${guarded.http}/admin`);
      // Whichever comes first: a dashboard here would mean the API let us in without the token.
      await gate.waitForSelector(`${testId('login-form')}, ${testId('total-connections')}`, { timeout: 15_000 });
      expect(await gate.locator(testId('login-form')).count()).toBe(1);
      expect(await gate.locator(testId('total-connections')).count()).toBe(0);
      expect(await gate.locator(testId('node-row')).count()).toBe(0);
    });

    it('rejects a wrong token', async () => {
      await gate.fill(testId('login-token'), 'not-the-token');
      await gate.click(testId('login-submit'));
      await gate.waitForSelector(testId('login-error'), { timeout: 10_000 });
      expect(await gate.locator(testId('login-error')).innerText()).toContain('rejected');
      expect(await gate.locator(testId('login-form')).count()).toBe(1);
      expect(await gate.locator(testId('total-connections')).count()).toBe(0);
      expect(await gate.evaluate(() => sessionStorage.getItem('switchboard.adminToken'))).toBeNull();
      await gate.screenshot({ path: join(OUTPUT, 'admin-login.png') });
    });

    it('accepts the right token, keeps it for the session and logs out', async () => {
      await gate.fill(testId('login-token'), ADMIN_TOKEN);
      await gate.click(testId('login-submit'));
      await gate.waitForSelector(nodeRow(guarded.nodeId), { timeout: 15_000 });
      expect(await gate.locator(testId('login-form')).count()).toBe(0);
      expect(await gate.locator(testId('unprotected-notice')).count()).toBe(0);

      await gate.reload();
      await gate.waitForSelector(nodeRow(guarded.nodeId), { timeout: 15_000 });
      expect(await gate.locator(testId('login-form')).count()).toBe(0);

      await gate.click(testId('logout'));
      await gate.waitForSelector(testId('login-form'), { timeout: 10_000 });
      expect(await gate.evaluate(() => sessionStorage.getItem('switchboard.adminToken'))).toBeNull();
    });
  });

  it('says clearly when the answering node lost its transport, and recovers', async () => {
    await redis.kill();
    await page.waitForSelector(testId('transport-banner'), { timeout: 15_000 });
    expect(await page.locator(testId('transport-banner')).innerText()).toContain(`Transport down on ${a.nodeId}`);
    expect(await valueOf(page, testId('transport-status'))).toBe('down');
    await expect.poll(() => attributeOf(page, nodeRow(a.nodeId), 'data-status'), POLL).toBe('not-ready');
    await page.screenshot({ path: join(OUTPUT, 'admin-dashboard-transport-down.png'), fullPage: true });
    await redis.restart();
    await expect.poll(() => page.locator(testId('transport-banner')).count(), { timeout: 20_000, interval: 250 }).toBe(0);
    expect(await valueOf(page, testId('transport-status'))).toBe('up');
    expect(pageErrors).toEqual([]);
  }, 45_000);
});
