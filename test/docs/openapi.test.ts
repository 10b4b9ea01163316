import SwaggerParser from '@apidevtools/swagger-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { OpenAPIV3_1 } from 'openapi-types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ERRORS } from '#libs/gateway';
import { NodeLifecycle } from '#libs/health';
import { TRANSPORT, type Transport } from '#libs/transport';
import { type InProcessNode, startInProcessNode } from '../support/in-process-node.js';

type Document = OpenAPIV3_1.Document;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const DOCS_ROUTES = /^\/api\/docs(\/|-json$|$)/;

/** `/api/channels/:channel/history` → `/api/channels/{channel}/history`. */
const toTemplate = (expressPath: string) => expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** What the app actually routes: the Express router's route layers (Nest's controllers and Swagger's own). */
function registeredRoutes(node: InProcessNode): string[] {
  const express = node.app.getHttpAdapter().getInstance() as { router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> } };
  return express.router.stack
    .filter((layer) => layer.route && !layer.route.path.includes('*')) // `{/*splat}`: middleware Nest mounts on every path
    .flatMap((layer) => Object.keys(layer.route!.methods).map((method) => `${method.toUpperCase()} ${toTemplate(layer.route!.path)}`));
}

const documentedRoutes = (document: Document) =>
  Object.entries(document.paths ?? {}).flatMap(([path, item]) => METHODS.filter((method) => item?.[method]).map((method) => `${method.toUpperCase()} ${path}`));

describe('OpenAPI document at /api/docs-json', () => {
  let node: InProcessNode;
  let document: Document;
  let resolved: Document;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const checked: string[] = [];

  /** Validates a real answer against what the document says `method path` answers with that status. */
  async function conforms(method: string, path: string, response: Response): Promise<Record<string, unknown> | string> {
    const operation = resolved.paths?.[path]?.[method.toLowerCase() as 'get'];
    expect(operation, `${method} ${path} is documented`).toBeDefined();
    const documented = operation!.responses?.[String(response.status)] as OpenAPIV3_1.ResponseObject | undefined;
    expect(documented, `${method} ${path} documents ${response.status}`).toBeDefined();
    const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const media = Object.entries(documented!.content ?? {}).find(([name]) => name.split(';')[0]!.trim() === type);
    expect(media, `${method} ${path} ${response.status} documents ${type}`).toBeDefined();
    const text = await response.text();
    const body = type === 'application/json' ? (JSON.parse(text) as Record<string, unknown>) : text;
    const validate = ajv.compile(media![1].schema as object);
    expect(validate(body), `${method} ${path} ${response.status}: ${JSON.stringify(validate.errors)} for ${text.slice(0, 300)}`).toBe(true);
    checked.push(`${method} ${path} ${response.status}${typeof body === 'object' && body && 'code' in body ? ` ${String(body.code)}` : ''}`);
    return body;
  }

  beforeAll(async () => {
    node = await startInProcessNode({ NODE_ID: 'docs-node', HISTORY_CHANNELS: 'chat:*', PRESENCE_CHANNELS: 'room:*', API_KEY: 'k3y', ADMIN_TOKEN: 'adm1n', MAX_PAYLOAD_BYTES: '4096' });
    const response = await fetch(`${node.http}/api/docs-json`);
    expect(response.status).toBe(200);
    document = (await response.json()) as Document;
    resolved = (await SwaggerParser.dereference(structuredClone(document) as never)) as Document;
  });
  afterAll(() => node?.close());

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).toBe('3.1.0');
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
  });

  it('documents every route the app registers, and nothing it does not', () => {
    const registered = registeredRoutes(node).filter((route) => !DOCS_ROUTES.test(route.split(' ')[1]!));
    const documented = documentedRoutes(document);
    // The dashboard is Express middleware mounted at /admin, documented by hand.
    const byHand = ['GET /admin', 'GET /admin/assets/{file}'];
    expect(registered.sort()).toEqual(documented.filter((route) => !byHand.includes(route)).sort());
    expect(registered).toContain('POST /api/publish');
  });

  it('every operation names its security schemes, which exist, and documents its errors with the shared body', () => {
    const schemes = Object.keys(document.components?.securitySchemes ?? {});
    expect(schemes.sort()).toEqual(['admin-token', 'api-key']);
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const method of METHODS) {
        const operation = item?.[method];
        if (!operation) continue;
        expect(operation.operationId, `${method} ${path}`).toBeTruthy();
        for (const requirement of operation.security ?? []) for (const name of Object.keys(requirement)) expect(schemes).toContain(name);
        for (const [status, response] of Object.entries(operation.responses ?? {})) {
          if (Number(status) < 400 || path.startsWith('/health/')) continue;
          const json = (response as OpenAPIV3_1.ResponseObject).content?.['application/json'];
          expect(JSON.stringify(json?.schema), `${method} ${path} ${status}`).toContain('#/components/schemas/HttpError');
        }
      }
    }
    expect(documentedRoutes(document).filter((r) => /\/api\/(nodes|overview|channels)$/.test(r)).every((r) => JSON.stringify(document.paths![r.split(' ')[1]!]).includes('admin-token'))).toBe(true);
  });

  it('the shared error schema lists exactly the codes of the HTTP error table', () => {
    const schema = document.components?.schemas?.HttpError as OpenAPIV3_1.SchemaObject;
    expect(schema.required).toEqual(['statusCode', 'code', 'message']);
    expect((schema.properties!.code as OpenAPIV3_1.SchemaObject).enum).toEqual(Object.keys(API_ERRORS));
    // Every code a route documents is in the table, with the status the table gives it.
    for (const [path, item] of Object.entries(resolved.paths ?? {})) {
      for (const method of METHODS) {
        for (const [status, response] of Object.entries(item?.[method]?.responses ?? {})) {
          const examples = (response as OpenAPIV3_1.ResponseObject).content?.['application/json']?.examples ?? {};
          for (const code of Object.keys(examples)) {
            expect(Object.keys(API_ERRORS), `${method} ${path}`).toContain(code);
            expect(API_ERRORS[code as keyof typeof API_ERRORS].status, `${code} on ${method} ${path}`).toBe(Number(status));
          }
        }
      }
    }
  });

  describe('what the node answers matches the document', () => {
    const key = { authorization: 'Bearer k3y', 'content-type': 'application/json' };
    const admin = { authorization: 'Bearer adm1n' };
    const post = (body: string, headers: Record<string, string> = key) => fetch(`${node.http}/api/publish`, { method: 'POST', headers, body });

    it('POST /api/publish', async () => {
      expect(await conforms('POST', '/api/publish', await post('{"channel":"plain","payload":{"a":1}}'))).toMatchObject({ accepted: true });
      expect(await conforms('POST', '/api/publish', await post('{"channel":"chat:docs","payload":null}'))).toMatchObject({ offset: 1, epoch: expect.any(String) });
      expect(await conforms('POST', '/api/publish', await post('{"channel":'))).toMatchObject({ code: 'BAD_JSON' });
      expect(await conforms('POST', '/api/publish', await post('{"channel":"a"}'))).toMatchObject({ code: 'BAD_REQUEST' });
      expect(await conforms('POST', '/api/publish', await post('{"channel":"a b","payload":1}'))).toMatchObject({ code: 'INVALID_CHANNEL' });
      expect(await conforms('POST', '/api/publish', await post('{}', { 'content-type': 'application/json' }))).toMatchObject({ code: 'UNAUTHORIZED' });
      expect(await conforms('POST', '/api/publish', await post(JSON.stringify({ channel: 'a', payload: 'x'.repeat(6000) })))).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
      const latin1 = await post('{"channel":"a","payload":1}', { ...key, 'content-type': 'application/json; charset=latin1' });
      expect(await conforms('POST', '/api/publish', latin1)).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    });

    it('GET /api/channels/{channel}/history', async () => {
      const path = '/api/channels/{channel}/history';
      const get = (url: string, headers: Record<string, string> = admin) => fetch(`${node.http}${url}`, { headers });
      expect(await conforms('GET', path, await get('/api/channels/chat:docs/history'))).toMatchObject({ publications: [{ offset: 1, payload: null }] });
      expect(await conforms('GET', path, await get('/api/channels/chat:docs/history?since=1&limit=5', key))).toMatchObject({ publications: [] });
      expect(await conforms('GET', path, await get('/api/channels/plain/history'))).toMatchObject({ code: 'HISTORY_OFF' });
      expect(await conforms('GET', path, await get('/api/channels/a%20b/history'))).toMatchObject({ code: 'INVALID_CHANNEL' });
      expect(await conforms('GET', path, await get('/api/channels/chat:docs/history?limit=0'))).toMatchObject({ code: 'BAD_REQUEST' });
      expect(await conforms('GET', path, await get('/api/channels/chat:docs/history', {}))).toMatchObject({ code: 'UNAUTHORIZED' });
    });

    it('GET /api/channels/{channel}/presence', async () => {
      const path = '/api/channels/{channel}/presence';
      const get = (url: string, headers: Record<string, string> = admin) => fetch(`${node.http}${url}`, { headers });
      expect(await conforms('GET', path, await get('/api/channels/room:1/presence', key))).toMatchObject({ members: [], connections: 0, users: 0, truncated: false });
      expect(await conforms('GET', path, await get('/api/channels/plain/presence'))).toMatchObject({ code: 'PRESENCE_OFF' });
      expect(await conforms('GET', path, await get('/api/channels/a%20b/presence'))).toMatchObject({ code: 'INVALID_CHANNEL' });
      expect(await conforms('GET', path, await get('/api/channels/room:1/presence', {}))).toMatchObject({ code: 'UNAUTHORIZED' });
    });

    it('POST /api/disconnect, /api/subscribe, /api/unsubscribe', async () => {
      const to = (route: string, body: string, headers: Record<string, string> = key) => fetch(`${node.http}${route}`, { method: 'POST', headers, body });
      for (const route of ['/api/subscribe', '/api/unsubscribe']) {
        expect(await conforms('POST', route, await to(route, '{"userId":"nobody","channel":"plain"}'))).toMatchObject({ affected: 0, nodes: ['docs-node'] });
        expect(await conforms('POST', route, await to(route, '{"userId":"nobody","channel":"a b"}'))).toMatchObject({ code: 'INVALID_CHANNEL' });
        expect(await conforms('POST', route, await to(route, '{"userId":"nobody"}'))).toMatchObject({ code: 'BAD_REQUEST' });
        expect(await conforms('POST', route, await to(route, '{"userId"'))).toMatchObject({ code: 'BAD_JSON' });
        expect(await conforms('POST', route, await to(route, '{}', { 'content-type': 'application/json' }))).toMatchObject({ code: 'UNAUTHORIZED' });
      }
      const route = '/api/disconnect';
      expect(await conforms('POST', route, await to(route, '{"connectionId":"none","code":4001,"reason":"bye"}'))).toMatchObject({ affected: 0, unanswered: [] });
      expect(await conforms('POST', route, await to(route, '{"userId":"u","code":1001}'))).toMatchObject({ code: 'BAD_REQUEST' });
      expect(await conforms('POST', route, await to(route, '{'))).toMatchObject({ code: 'BAD_JSON' });
      expect(await conforms('POST', route, await to(route, '{}', { 'content-type': 'application/json' }))).toMatchObject({ code: 'UNAUTHORIZED' });
    });

    it('the cluster view', async () => {
      for (const path of ['/api/nodes', '/api/overview', '/api/channels']) {
        await conforms('GET', path, await fetch(`${node.http}${path}`, { headers: admin }));
        expect(await conforms('GET', path, await fetch(`${node.http}${path}`))).toMatchObject({ code: 'UNAUTHORIZED' });
      }
    });

    it('health, metrics and the dashboard', async () => {
      await conforms('GET', '/health/live', await fetch(`${node.http}/health/live`));
      await conforms('GET', '/health/ready', await fetch(`${node.http}/health/ready`));
      expect(await conforms('GET', '/metrics', await fetch(`${node.http}/metrics`))).toMatch(/^switchboard_connections /m);
      // 200 with a built dashboard, 503 ADMIN_UI_NOT_BUILT without: both are documented.
      await conforms('GET', '/admin', await fetch(`${node.http}/admin`));
      expect(await conforms('GET', '/admin/assets/{file}', await fetch(`${node.http}/admin/assets/nope.js`))).toMatchObject({ code: expect.stringMatching(/^(NOT_FOUND|ADMIN_UI_NOT_BUILT)$/) });
    });

    it('an unknown route answers the shared body with NOT_FOUND', async () => {
      const response = await fetch(`${node.http}/api/nope`);
      expect(response.status).toBe(404);
      const validate = ajv.compile(resolved.components!.schemas!.HttpError as object);
      const body = (await response.json()) as { code: string };
      expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
      expect(body.code).toBe('NOT_FOUND');
    });

    it('503 TRANSPORT_UNAVAILABLE while the bus is down, and /health/ready 503 while draining', async () => {
      const transport = node.app.get<Transport>(TRANSPORT);
      await transport.stop();
      try {
        expect(await conforms('POST', '/api/publish', await post('{"channel":"plain","payload":1}'))).toMatchObject({ code: 'TRANSPORT_UNAVAILABLE' });
        expect(await conforms('GET', '/health/ready', await fetch(`${node.http}/health/ready`))).toMatchObject({ status: 'error' });
      } finally {
        await transport.start();
      }
      node.app.get(NodeLifecycle).startDraining();
      expect(await conforms('GET', '/health/ready', await fetch(`${node.http}/health/ready`))).toMatchObject({ error: { drain: { status: 'down' } } });
    });

    it('exercised every documented route', () => {
      const exercised = new Set(checked.map((line) => line.split(' ').slice(0, 2).join(' ')));
      expect([...exercised].sort()).toEqual(documentedRoutes(document).sort());
    });
  });
});

describe('API_DOCS', () => {
  it('json serves the document without the UI; off serves neither (both answer NOT_FOUND)', async () => {
    const json = await startInProcessNode({ API_DOCS: 'json' });
    const off = await startInProcessNode({ API_DOCS: 'off' });
    try {
      expect((await fetch(`${json.http}/api/docs-json`)).status).toBe(200);
      const ui = await fetch(`${json.http}/api/docs`);
      expect(ui.status).toBe(404);
      expect(((await ui.json()) as { code: string }).code).toBe('NOT_FOUND');
      for (const path of ['/api/docs', '/api/docs-json']) expect((await fetch(`${off.http}${path}`)).status).toBe(404);
    } finally {
      await Promise.all([json.close(), off.close()]);
    }
  });

  it('ui (the default) serves Swagger UI at /api/docs', async () => {
    const node = await startInProcessNode({});
    try {
      const page = await fetch(`${node.http}/api/docs`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toContain('swagger-ui');
      expect((await fetch(`${node.http}/api/docs/swagger-ui-init.js`)).status).toBe(200);
    } finally {
      await node.close();
    }
  });
});
