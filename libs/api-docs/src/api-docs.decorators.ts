import { applyDecorators } from '@nestjs/common';
import { ApiResponse, type ResponseObject } from '@nestjs/swagger';

/**
 * Building blocks for describing routes in the OpenAPI document (/api/docs-json). This
 * lib depends on no other lib, so that every lib's controllers can use it; the app
 * assembles the document (apps/gateway/src/api-docs.ts) and adds the components named
 * here: the shared error body and the two bearer schemes.
 */

/** The shared error body `{statusCode, code, message}`: components.schemas.HttpError. */
export const HTTP_ERROR_SCHEMA = 'HttpError';
export const HTTP_ERROR_REF = `#/components/schemas/${HTTP_ERROR_SCHEMA}`;

/** `Authorization: Bearer <API_KEY>`: back-end services (publish, history). */
export const API_KEY_AUTH = 'api-key';
/** `Authorization: Bearer <ADMIN_TOKEN>`: operators and the dashboard (cluster view, history). */
export const ADMIN_TOKEN_AUTH = 'admin-token';

/** One error a route may answer: its code (README "HTTP API") and when. */
export interface ErrorCase {
  code: string;
  when: string;
}

/** What every route may answer: a bug on the server. */
export const INTERNAL_ERROR_CASE: ErrorCase = { code: 'INTERNAL_ERROR', when: 'a bug on the server; the request was not processed (logged)' };

/** The OpenAPI response object of one status of a route's errors (what {@link ApiErrors} declares). */
export function errorResponse(status: number, cases: ErrorCase[]): ResponseObject {
  return {
    description: cases.map(({ code, when }) => `\`${code}\`: ${when}`).join('; '),
    // Explicit content: error bodies are JSON whatever the route's success type is (e.g. /metrics).
    content: {
      'application/json': {
        schema: {
          allOf: [
            { $ref: HTTP_ERROR_REF },
            { type: 'object', properties: { statusCode: { type: 'integer', enum: [status] }, code: { type: 'string', enum: cases.map((c) => c.code) } } },
          ],
        },
        examples: Object.fromEntries(cases.map(({ code, when }) => [code, { summary: when, value: { statusCode: status, code, message: when } }])),
      },
    },
  };
}

/**
 * The error responses of one route (or of every route of a controller), by status: each
 * documents the shared body with the codes that status carries there, and an example per code.
 *
 *   @ApiErrors({ 400: [{ code: 'BAD_JSON', when: 'the body is not JSON' }], 401: [...] })
 */
export function ApiErrors(byStatus: Record<number, ErrorCase[]>): MethodDecorator & ClassDecorator {
  return applyDecorators(...Object.entries(byStatus).map(([status, cases]) => ApiResponse({ status: Number(status), ...errorResponse(Number(status), cases) })));
}
