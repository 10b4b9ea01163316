import type { ErrorCode } from '../protocol/error-codes.js';

/**
 * A refusal by the gateway's shared logic (publishing, subscribing, history), in domain
 * terms: a code from the protocol's error table and a message for the client. It knows
 * no transport: the WebSocket edge turns it into an error frame answering the request's
 * `id` (the connection stays open), the HTTP edge into `{statusCode, code, message}`
 * with the status of `httpStatusOf(code)`.
 */
export class GatewayError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}
