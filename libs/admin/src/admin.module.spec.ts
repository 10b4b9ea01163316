import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminModule } from './admin.module.js';
import { defaultAdminUiDir } from './admin-ui.js';

async function serve(uiDir: string): Promise<{ app: INestApplication; url: string }> {
  const moduleRef = await Test.createTestingModule({ imports: [AdminModule.forRoot({ uiDir })] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}` };
}

describe('AdminModule serving admin-ui/dist at /admin', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-admin-ui-'));
  const INDEX = '<!doctype html><title>Switchboard</title><script type="module" src="/admin/assets/index-Ab12Cd.js"></script>';
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), INDEX);
    writeFileSync(join(dir, 'assets', 'index-Ab12Cd.js'), 'console.log("dashboard")');
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    ({ app, url } = await serve(dir));
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['/admin', '/admin/', '/admin/index.html'])('%s answers index.html, not cached', async (path) => {
    const response = await fetch(`${url}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toBe(INDEX);
  });

  it('falls back to index.html for any other page of the app', async () => {
    const response = await fetch(`${url}/admin/nodes/node-a?tab=channels`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(await response.text()).toBe(INDEX);
  });

  it('serves hashed assets as immutable for a year', async () => {
    const response = await fetch(`${url}/admin/assets/index-Ab12Cd.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/javascript/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await response.text()).toContain('dashboard');
  });

  it('answers 404, never index.html, for a missing asset', async () => {
    const response = await fetch(`${url}/admin/assets/index-old.js`);
    expect(response.status).toBe(404);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
  });

  it('serves other files of the build without long caching', async () => {
    const response = await fetch(`${url}/admin/favicon.svg`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
  });

  it('leaves other paths and methods to the rest of the app', async () => {
    expect((await fetch(`${url}/administrator`)).status).toBe(404);
    expect((await fetch(`${url}/api/nodes`)).status).toBe(404);
    expect((await fetch(`${url}/admin/`, { method: 'POST' })).status).toBe(404);
  });
});

describe('AdminModule without a build', () => {
  it('answers 503 saying to run npm run build', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-admin-ui-missing-'));
    rmSync(dir, { recursive: true });
    const { app, url } = await serve(dir);
    try {
      for (const path of ['/admin', '/admin/assets/index-Ab12Cd.js']) {
        const response = await fetch(`${url}${path}`);
        expect(response.status).toBe(503);
        const body = (await response.json()) as { message: string };
        expect(body).toMatchObject({ statusCode: 503, code: 'ADMIN_UI_NOT_BUILT' });
        expect(body.message).toContain('npm run build');
      }
    } finally {
      await app.close();
    }
  });

  it('finds admin-ui/dist of this checkout by default', () => {
    expect(defaultAdminUiDir()).toBe(join(process.cwd(), 'admin-ui', 'dist'));
  });
});
