import { WsException } from '@nestjs/websockets';
import type { ErrorCode } from './error-codes.js';

/** A refusal the client should see as an error frame; the connection stays open. */
export class ProtocolException extends WsException {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
