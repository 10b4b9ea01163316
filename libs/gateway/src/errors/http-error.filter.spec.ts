import { BadRequestException, HttpException, Logger, NotFoundException, ServiceUnavailableException, UnauthorizedException } from '@nestjs/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../protocol/error-codes.js';
import { GatewayError } from './gateway-error.js';
import { API_ERROR_STATUS, HttpErrorCode, httpError, SHARED_HTTP_ERROR_CODES } from './http-error-codes.js';
import { answerOf, HttpErrorFilter } from './http-error.filter.js';
import { httpStatusOf } from './http-status.js';

/** The error body-parser throws, as Nest's Express adapter hands it on (an HttpException with it as the cause). */
const parserError = (type: string, status: number, message: string, extra: Record<string, unknown> = {}) =>
  new HttpException(message, status, { cause: Object.assign(new Error(message), { type, status, statusCode: status, expose: true, ...extra }) });

describe('answerOf', () => {
  it('maps a GatewayError through httpStatusOf', () => {
    expect(answerOf(new GatewayError(ErrorCode.TRANSPORT_UNAVAILABLE, 'redis is down'))).toEqual({
      status: 503,
      body: { statusCode: 503, code: 'TRANSPORT_UNAVAILABLE', message: 'redis is down' },
      log: false,
    });
    expect(answerOf(new GatewayError(ErrorCode.INVALID_CHANNEL, 'bad')).body).toEqual({ statusCode: 400, code: 'INVALID_CHANNEL', message: 'bad' });
  });

  it('body-parser: malformed JSON is BAD_JSON, an oversized body PAYLOAD_TOO_LARGE', () => {
    const syntax = new BadRequestException('Unexpected end of JSON input', { cause: Object.assign(new SyntaxError('x'), { type: 'entity.parse.failed', status: 400 }) });
    expect(answerOf(syntax)).toEqual({ status: 400, body: { statusCode: 400, code: 'BAD_JSON', message: 'the body is not valid JSON: Unexpected end of JSON input' }, log: false });
    expect(answerOf(parserError('entity.too.large', 413, 'request entity too large', { limit: 66560 })).body).toEqual({
      statusCode: 413,
      code: 'PAYLOAD_TOO_LARGE',
      message: 'the body is over the limit of 66560 bytes (MAX_PAYLOAD_BYTES + 1024)',
    });
    expect(answerOf(parserError('charset.unsupported', 415, 'unsupported charset "LATIN1"')).body).toMatchObject({ statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('keeps bodies that already have the shape (the guards, httpError)', () => {
    const guard = new UnauthorizedException({ statusCode: 401, code: 'UNAUTHORIZED', message: 'send the key' });
    expect(answerOf(guard)).toEqual({ status: 401, body: { statusCode: 401, code: 'UNAUTHORIZED', message: 'send the key' }, log: false });
    expect(answerOf(httpError(HttpErrorCode.HISTORY_OFF, 'no history')).body).toEqual({ statusCode: 404, code: 'HISTORY_OFF', message: 'no history' });
  });

  it("keeps terminus's health check result untouched", () => {
    const result = { status: 'error', info: {}, error: { drain: { status: 'down', draining: true } }, details: { drain: { status: 'down', draining: true } } };
    expect(answerOf(new ServiceUnavailableException(result))).toEqual({ status: 503, body: result, log: false });
  });

  it("reshapes Nest's own HttpExceptions by status", () => {
    expect(answerOf(new NotFoundException('Cannot GET /nope')).body).toEqual({ statusCode: 404, code: 'NOT_FOUND', message: 'Cannot GET /nope' });
    expect(answerOf(new HttpException('Forbidden resource', 403)).body).toEqual({ statusCode: 403, code: 'FORBIDDEN', message: 'Forbidden resource' });
    expect(answerOf(new BadRequestException(['a must be a string', 'b is required'])).body).toEqual({
      statusCode: 400,
      code: 'BAD_REQUEST',
      message: 'a must be a string; b is required',
    });
    // A status Switchboard never answers otherwise keeps its status.
    expect(answerOf(new HttpException('teapot', 418)).body).toEqual({ statusCode: 418, code: 'BAD_REQUEST', message: 'teapot' });
  });

  it('anything else is a logged 500 INTERNAL_ERROR that names nothing internal', () => {
    for (const thrown of [new Error('db password is hunter2'), 'a string', undefined, new HttpException('stack trace here', 502)]) {
      const answer = answerOf(thrown);
      expect(answer.log).toBe(true);
      expect(answer.body).toMatchObject({ code: 'INTERNAL_ERROR', message: 'internal error; the request was not processed' });
    }
    expect(answerOf(new Error('x')).status).toBe(500);
  });

  it('every code the table lists answers with its status, and shared codes agree with httpStatusOf', () => {
    for (const code of SHARED_HTTP_ERROR_CODES) expect(httpStatusOf(code)).toBe(API_ERROR_STATUS[code]);
    for (const code of Object.values(HttpErrorCode)) expect(API_ERROR_STATUS[code]).toBeGreaterThanOrEqual(400);
  });
});

describe('HttpErrorFilter', () => {
  afterEach(() => vi.restoreAllMocks());

  const hostFor = (response: object) =>
    ({
      getType: () => 'http',
      switchToHttp: () => ({ getRequest: () => ({ method: 'GET', originalUrl: '/api/x' }), getResponse: () => response }),
    }) as never;

  it('writes the body with its status, and logs server faults with their stack', () => {
    const log = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const response = { headersSent: false, status: vi.fn().mockReturnThis(), json: vi.fn() };
    new HttpErrorFilter().catch(new Error('boom'), hostFor(response));
    expect(response.status).toHaveBeenCalledWith(500);
    expect(response.json).toHaveBeenCalledWith({ statusCode: 500, code: 'INTERNAL_ERROR', message: 'internal error; the request was not processed' });
    expect(log).toHaveBeenCalledWith(expect.stringMatching(/^GET \/api\/x answered 500: Error: boom/));
  });

  it('does not log client errors, and ends a response whose headers are already out', () => {
    const log = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const sent = { headersSent: true, writableEnded: false, end: vi.fn(), status: vi.fn(), json: vi.fn() };
    new HttpErrorFilter().catch(new NotFoundException(), hostFor(sent));
    expect(sent.end).toHaveBeenCalled();
    expect(sent.json).not.toHaveBeenCalled();
    expect(log).not.toHaveBeenCalled();
  });
});
