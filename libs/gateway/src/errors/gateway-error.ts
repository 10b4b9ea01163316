import { TransportUnavailableError } from '#libs/transport';
import { ErrorCode } from '../protocol/error-codes.js';

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

/** A bus refusal in domain terms: TRANSPORT_UNAVAILABLE; anything else is passed on as it is. */
export function fromBus(error: unknown): unknown {
  return error instanceof TransportUnavailableError ? new GatewayError(ErrorCode.TRANSPORT_UNAVAILABLE, error.message) : error;
}

/** Runs a bus operation, turning its refusal into TRANSPORT_UNAVAILABLE. */
export async function onBus<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw fromBus(error);
  }
}
