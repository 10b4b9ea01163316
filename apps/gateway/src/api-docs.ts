import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ADMIN_TOKEN_AUTH, API_KEY_AUTH, errorResponse, HTTP_ERROR_SCHEMA, INTERNAL_ERROR_CASE } from '#libs/api-docs';
import type { SwitchboardConfig } from '#libs/config';
import { API_ERRORS, type ApiErrorCode } from '#libs/gateway';

/** Where the Swagger UI is served; the document itself is at `${API_DOCS_PATH}-json`. */
export const API_DOCS_PATH = '/api/docs';
export const API_DOCS_JSON_PATH = `${API_DOCS_PATH}-json`;

const codes = Object.keys(API_ERRORS) as ApiErrorCode[];

const errorTable = [
  '| code | status | meaning |',
  '|---|---|---|',
  ...codes.map((code) => `| \`${code}\` | ${API_ERRORS[code].status} | ${API_ERRORS[code].meaning} |`),
].join('\n');

const DESCRIPTION = `The HTTP side of a Switchboard node: publishing from back ends, channel history, the cluster view, health and metrics.
The WebSocket protocol is described by docs/asyncapi.yaml and docs/protocol.md.

Every error answers one JSON body, \`{statusCode, code, message}\` (schema \`${HTTP_ERROR_SCHEMA}\`): malformed JSON, a body too large,
an unknown route (404 \`NOT_FOUND\` on any path not listed here), missing credentials and server faults alike. The one exception is
/health/*, whose 503 carries the health check result that balancers read. \`message\` is for people; branch on \`code\`:

${errorTable}`;

/** The shared error body, every code it can carry listed. */
const httpErrorSchema = {
  type: 'object',
  required: ['statusCode', 'code', 'message'],
  additionalProperties: false,
  properties: {
    statusCode: { type: 'integer', minimum: 400, maximum: 599, description: 'the HTTP status again' },
    code: { type: 'string', enum: codes, description: 'what went wrong; the table in the API description says what each means' },
    message: { type: 'string', description: 'for people: do not parse it' },
  },
  example: { statusCode: 400, code: 'INVALID_CHANNEL', message: 'a channel is a string of 1-200 characters from A-Za-z0-9_.:@/-' },
};

/** The dashboard is Express middleware (libs/admin), not a controller: its paths are added by hand. */
const adminPaths: OpenAPIObject['paths'] = {
  '/admin': {
    get: {
      operationId: 'adminDashboard',
      tags: ['admin'],
      summary: 'The admin dashboard (a single-page app; any other GET path under /admin answers it too)',
      description: 'Its data comes from /api/nodes, /api/channels and /api/overview, which ADMIN_TOKEN protects; the page itself is public.',
      responses: {
        200: { description: 'the dashboard', content: { 'text/html': { schema: { type: 'string' } } } },
        500: errorResponse(500, [INTERNAL_ERROR_CASE]),
        503: errorResponse(503, [{ code: 'ADMIN_UI_NOT_BUILT', when: 'the dashboard is not built on this node: run `npm run build`' }]),
      },
    },
  },
  '/admin/assets/{file}': {
    get: {
      operationId: 'adminAsset',
      tags: ['admin'],
      summary: "The dashboard's content-hashed scripts and styles, cached for a year",
      parameters: [{ name: 'file', in: 'path', required: true, schema: { type: 'string' } }],
      responses: {
        200: { description: 'the asset', content: { 'application/javascript': { schema: { type: 'string' } }, 'text/css': { schema: { type: 'string' } } } },
        404: errorResponse(404, [{ code: 'NOT_FOUND', when: 'no such asset (never the page instead)' }]),
        503: errorResponse(503, [{ code: 'ADMIN_UI_NOT_BUILT', when: 'the dashboard is not built on this node' }]),
      },
    },
  },
};

/** The OpenAPI 3.1 document of every HTTP route of the app, from the controllers' decorators. */
export function buildApiDocument(app: INestApplication, config: SwitchboardConfig): OpenAPIObject {
  const base = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Switchboard HTTP API')
    .setVersion(config.version)
    .setDescription(DESCRIPTION)
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addSecurity(API_KEY_AUTH, {
      type: 'http',
      scheme: 'bearer',
      description: '`Authorization: Bearer <API_KEY>`: needed for publishing and history while the node has API_KEY set',
    })
    .addSecurity(ADMIN_TOKEN_AUTH, {
      type: 'http',
      scheme: 'bearer',
      description: '`Authorization: Bearer <ADMIN_TOKEN>`: needed for the cluster view (and accepted for history) while the node has ADMIN_TOKEN set',
    })
    .addTag('publish', 'Publishing from back-end services')
    .addTag('history', "Channels' stored publications")
    .addTag('cluster', 'The cluster as the answering node sees it; never message payloads')
    .addTag('health', 'Probes for load balancers and orchestrators')
    .addTag('metrics', 'Prometheus')
    .addTag('admin', 'The dashboard')
    .build();
  const document = SwaggerModule.createDocument(app, base);
  document.components = { ...document.components, schemas: { ...document.components?.schemas, [HTTP_ERROR_SCHEMA]: httpErrorSchema as never } };
  document.paths = { ...document.paths, ...adminPaths };
  return document;
}

/**
 * Serves the document at /api/docs-json and, with API_DOCS=ui (the default), the Swagger
 * UI at /api/docs. Both are read-only and describe what README says; API_DOCS=off serves neither.
 */
export function setupApiDocs(app: INestApplication, config: SwitchboardConfig): void {
  if (config.api.docs === 'off') return;
  SwaggerModule.setup(API_DOCS_PATH.slice(1), app, () => buildApiDocument(app, config), {
    ui: config.api.docs === 'ui',
    raw: ['json'],
    jsonDocumentUrl: API_DOCS_JSON_PATH.slice(1),
    customSiteTitle: 'Switchboard HTTP API',
  });
}
