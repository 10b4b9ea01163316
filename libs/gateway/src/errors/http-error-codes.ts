import { HttpException } from '@nestjs/common';
import { ErrorCode } from '../protocol/error-codes.js';

/**
 * Codes only HTTP error bodies carry: no error frame ever does. Every HTTP error body is
 * `{statusCode, code, message}` with a code from this table or from
 * {@link SHARED_HTTP_ERROR_CODES}. README ("HTTP API"), docs/protocol.md and the OpenAPI
 * document at /api/docs-json list them; test/docs/spec-drift.test.ts keeps them in step.
 */
export const HttpErrorCode = {
  /** The route needs API_KEY or ADMIN_TOKEN and the request does not carry it. */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** No such route (or dashboard asset). */
  NOT_FOUND: 'NOT_FOUND',
  /** GET /api/channels/{channel}/history on a channel that keeps no history. */
  HISTORY_OFF: 'HISTORY_OFF',
  /** The body is larger than MAX_PAYLOAD_BYTES + 1024 bytes. */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** A JSON body in a charset or content encoding the API does not read. */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  /** /admin on a node whose dashboard is not built (`npm run build`). */
  ADMIN_UI_NOT_BUILT: 'ADMIN_UI_NOT_BUILT',
} as const;
export type HttpErrorCode = (typeof HttpErrorCode)[keyof typeof HttpErrorCode];

/** The WebSocket protocol's codes ({@link ErrorCode}) that HTTP error bodies carry too, with the same meaning. */
export const SHARED_HTTP_ERROR_CODES = [
  ErrorCode.BAD_JSON,
  ErrorCode.BAD_REQUEST,
  ErrorCode.INVALID_CHANNEL,
  ErrorCode.FORBIDDEN,
  ErrorCode.TRANSPORT_UNAVAILABLE,
  ErrorCode.PRESENCE_OFF,
  ErrorCode.INTERNAL_ERROR,
] as const;

/** Every code an HTTP error body can carry. */
export type ApiErrorCode = HttpErrorCode | (typeof SHARED_HTTP_ERROR_CODES)[number];

/** Every code an HTTP error body carries: the status it answers with and what it means (the OpenAPI document says the same). */
export const API_ERRORS: Readonly<Record<ApiErrorCode, { status: number; meaning: string }>> = {
  [ErrorCode.BAD_JSON]: { status: 400, meaning: 'the body is not valid JSON' },
  [ErrorCode.BAD_REQUEST]: { status: 400, meaning: 'valid JSON of the wrong shape, or a bad query or path parameter' },
  [ErrorCode.INVALID_CHANNEL]: { status: 400, meaning: 'the channel breaks the channel rule (1-200 characters from A-Za-z0-9_.:@/-)' },
  [HttpErrorCode.UNAUTHORIZED]: { status: 401, meaning: 'the route needs API_KEY or ADMIN_TOKEN and the request does not carry it (WWW-Authenticate: Bearer)' },
  [ErrorCode.FORBIDDEN]: { status: 403, meaning: 'the credentials do not allow this (no route answers it today)' },
  [HttpErrorCode.NOT_FOUND]: { status: 404, meaning: 'no such route, method or dashboard asset' },
  [HttpErrorCode.HISTORY_OFF]: { status: 404, meaning: 'the channel keeps no history' },
  [ErrorCode.PRESENCE_OFF]: { status: 404, meaning: 'the channel has no presence (PRESENCE_CHANNELS, CHANNELS_CONFIG)' },
  [HttpErrorCode.PAYLOAD_TOO_LARGE]: { status: 413, meaning: 'the body is over MAX_PAYLOAD_BYTES + 1024 bytes' },
  [HttpErrorCode.UNSUPPORTED_MEDIA_TYPE]: { status: 415, meaning: 'a body in a charset or content encoding the node does not read' },
  [ErrorCode.INTERNAL_ERROR]: { status: 500, meaning: 'a bug on the server; the request was not processed' },
  [ErrorCode.TRANSPORT_UNAVAILABLE]: { status: 503, meaning: 'the node cannot reach the cluster bus; nothing was published or read' },
  [HttpErrorCode.ADMIN_UI_NOT_BUILT]: { status: 503, meaning: 'the dashboard is not built on this node (`npm run build`)' },
};

/** The status each code an HTTP error body carries answers with. */
export const API_ERROR_STATUS: Readonly<Record<ApiErrorCode, number>> = Object.fromEntries(
  Object.entries(API_ERRORS).map(([code, { status }]) => [code, status]),
) as Record<ApiErrorCode, number>;

/** The shared body of every HTTP error. */
export interface HttpErrorBody {
  statusCode: number;
  code: string;
  message: string;
}

/**
 * The code an error that carries only a status (a Nest HttpException, an Express or
 * body-parser error) answers with. Statuses Switchboard never answers with otherwise
 * fall back to BAD_REQUEST (4xx) or INTERNAL_ERROR (5xx), keeping their status.
 */
export function codeOfStatus(status: number): ApiErrorCode {
  switch (status) {
    case 400:
      return ErrorCode.BAD_REQUEST;
    case 401:
      return HttpErrorCode.UNAUTHORIZED;
    case 403:
      return ErrorCode.FORBIDDEN;
    case 404:
      return HttpErrorCode.NOT_FOUND;
    case 413:
      return HttpErrorCode.PAYLOAD_TOO_LARGE;
    case 415:
      return HttpErrorCode.UNSUPPORTED_MEDIA_TYPE;
    default:
      return status < 500 ? ErrorCode.BAD_REQUEST : ErrorCode.INTERNAL_ERROR;
  }
}

/** An HTTP-only refusal with the shared body, e.g. `throw httpError(HttpErrorCode.HISTORY_OFF, '…')`. */
export function httpError(code: HttpErrorCode, message: string): HttpException {
  const statusCode = API_ERROR_STATUS[code];
  return new HttpException({ statusCode, code, message } satisfies HttpErrorBody, statusCode);
}
