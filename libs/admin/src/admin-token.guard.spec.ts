import { Controller, Get, type INestApplication, UseGuards } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigModule, loadConfig } from '#libs/config';
import { AdminTokenGuard } from './admin-token.guard.js';

@UseGuards(AdminTokenGuard)
@Controller('api')
class ProbeController {
  @Get('overview')
  overview() {
    return { ok: true };
  }
}

async function serve(env: Record<string, string>): Promise<{ app: INestApplication; url: string }> {
  const moduleRef = await Test.createTestingModule({
    imports: [ConfigModule.forRoot(loadConfig({ LOG_LEVEL: 'silent', ...env }))],
    controllers: [ProbeController],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}/api/overview` };
}

describe('AdminTokenGuard with ADMIN_TOKEN set', () => {
  let app: INestApplication;
  let url: string;
  beforeAll(async () => {
    ({ app, url } = await serve({ ADMIN_TOKEN: 'correct horse' }));
  });
  afterAll(() => app.close());

  it('lets the right bearer token through', async () => {
    const response = await fetch(url, { headers: { authorization: 'Bearer correct horse' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('accepts the scheme in any case', async () => {
    expect((await fetch(url, { headers: { authorization: 'bearer correct horse' } })).status).toBe(200);
  });

  it.each([
    ['no Authorization header', {}],
    ['a wrong token', { authorization: 'Bearer wrong horse' }],
    ['a prefix of the token', { authorization: 'Bearer correct' }],
    ['a longer token', { authorization: 'Bearer correct horse battery' }],
    ['another scheme', { authorization: 'Basic correct horse' }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ])('401 JSON with %s', async (_name, headers: Record<string, string>) => {
    const response = await fetch(url, { headers });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const body = await response.json();
    expect(body).toEqual({ statusCode: 401, code: 'UNAUTHORIZED', message: expect.stringContaining('ADMIN_TOKEN') });
  });
});

describe('AdminTokenGuard without ADMIN_TOKEN', () => {
  it('is open, whatever is sent', async () => {
    const { app, url } = await serve({});
    try {
      expect((await fetch(url)).status).toBe(200);
      expect((await fetch(url, { headers: { authorization: 'Bearer anything' } })).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
