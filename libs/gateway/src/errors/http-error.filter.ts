import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ErrorCode } from '../protocol/error-codes.js';
import { GatewayError } from './gateway-error.js';
import { codeOfStatus, HttpErrorCode, type HttpErrorBody } from './http-error-codes.js';
import { httpStatusOf } from './http-status.js';

/** What an error answers: its status and body, and whether it is a server fault worth a log line. */
export interface HttpErrorAnswer {
  status: number;
  body: HttpErrorBody | Record<string, unknown>;
  log: boolean;
}

const INTERNAL_MESSAGE = 'internal error; the request was not processed';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A body that already is `{statusCode, code, message}` (the guards' 401s, httpError()). */
const hasSharedShape = (body: unknown): body is HttpErrorBody =>
  isRecord(body) && typeof body.statusCode === 'number' && typeof body.code === 'string' && typeof body.message === 'string';

/**
 * @nestjs/terminus's HealthCheckResult, the documented 503 body of /health/live and
 * /health/ready (`{status, info, error, details}`) that balancers and probes read: kept
 * exactly as it is.
 */
const isHealthCheckResult = (body: unknown): boolean =>
  isRecord(body) && (body.status === 'error' || body.status === 'shutting_down') && isRecord(body.details);

/** The error body-parser (through Express) threw, which Nest's Express adapter keeps as the HttpException's cause. */
function bodyParserError(exception: unknown): { type: string; limit?: number } | undefined {
  const candidate = exception instanceof HttpException ? exception.cause : exception;
  return isRecord(candidate) && typeof candidate.type === 'string' ? (candidate as { type: string; limit?: number }) : undefined;
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  if (isRecord(response)) {
    const { message } = response;
    if (typeof message === 'string') return message;
    if (Array.isArray(message)) return message.map(String).join('; ');
  }
  return exception.message;
}

/**
 * How any error thrown while serving an HTTP request is answered. Every body is
 * `{statusCode, code, message}`, except /health/*'s terminus result.
 */
export function answerOf(exception: unknown): HttpErrorAnswer {
  if (exception instanceof GatewayError) {
    const status = httpStatusOf(exception.code);
    // A refusal in domain terms (e.g. TRANSPORT_UNAVAILABLE during a bus outage), not a bug: not logged per request.
    return { status, body: { statusCode: status, code: exception.code, message: exception.message }, log: false };
  }
  const parser = bodyParserError(exception);
  if (parser?.type === 'entity.parse.failed') {
    const detail = exception instanceof Error ? exception.message : '';
    return { status: 400, body: { statusCode: 400, code: ErrorCode.BAD_JSON, message: `the body is not valid JSON: ${detail}` }, log: false };
  }
  if (parser?.type === 'entity.too.large') {
    const limit = typeof parser.limit === 'number' ? ` of ${parser.limit} bytes` : '';
    const message = `the body is over the limit${limit} (MAX_PAYLOAD_BYTES + 1024)`;
    return { status: 413, body: { statusCode: 413, code: HttpErrorCode.PAYLOAD_TOO_LARGE, message }, log: false };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    if (hasSharedShape(response) || isHealthCheckResult(response)) return { status, body: response as Record<string, unknown>, log: false };
    const code = codeOfStatus(status);
    // A 5xx HttpException's text may name internals: the client gets the generic message.
    const message = status >= 500 ? INTERNAL_MESSAGE : messageOf(exception);
    return { status, body: { statusCode: status, code, message }, log: status >= 500 };
  }
  // A raw error with a client status (an Express or body-parser error Nest did not map).
  if (isRecord(exception) && typeof exception.status === 'number' && exception.status >= 400 && exception.status < 500 && exception.expose === true) {
    const status = exception.status;
    const message = typeof exception.message === 'string' ? exception.message : String(status);
    return { status, body: { statusCode: status, code: codeOfStatus(status), message }, log: false };
  }
  return { status: 500, body: { statusCode: 500, code: ErrorCode.INTERNAL_ERROR, message: INTERNAL_MESSAGE }, log: true };
}

/**
 * The one HTTP exception filter, registered globally (APP_FILTER in GatewayModule): it
 * answers errors of every controller, of unknown routes (Nest's not-found handler) and
 * of the body parser, with the shared body. Server faults (5xx) are logged with their
 * stack; the client only gets INTERNAL_ERROR. WebSocket handlers have their own filter
 * (ProtocolExceptionFilter): Nest applies global filters to HTTP only.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const { status, body, log } = answerOf(exception);
    if (host.getType() !== 'http') {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
      return;
    }
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    if (log) {
      const detail = exception instanceof Error ? (exception.stack ?? exception.message) : String(exception);
      this.logger.error(`${request.method} ${request.originalUrl ?? request.url} answered ${status}: ${detail}`);
    }
    if (response.headersSent) {
      // Nothing can be said any more: end the response so the client is not left hanging.
      if (!response.writableEnded) response.end();
      return;
    }
    response.status(status).json(body);
  }
}
