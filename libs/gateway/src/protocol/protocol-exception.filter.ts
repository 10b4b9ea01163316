import { type ArgumentsHost, Catch, Logger, type WsExceptionFilter } from '@nestjs/common';
import { GatewayError } from '../errors/gateway-error.js';
import { replySlots } from '../outbound/reply-slots.js';
import { ErrorCode } from './error-codes.js';
import type { ClientFrame } from './frames.js';
import { errorFrame } from './server-frames.js';

/**
 * The WebSocket edge of errors: anything a message handler throws becomes an error frame
 * answering the request's `id`, in the request's place in the reply order. A
 * {@link GatewayError} says what the client did wrong; anything else is a bug, logged.
 */
@Catch()
export class ProtocolExceptionFilter implements WsExceptionFilter {
  private readonly logger = new Logger('Gateway');

  catch(exception: unknown, host: ArgumentsHost): void {
    const frame = host.switchToWs().getData<ClientFrame | undefined>();
    const slot = frame && replySlots.get(frame);
    if (!slot) return;
    if (exception instanceof GatewayError) {
      slot.settle(errorFrame(exception.code, exception.message, frame.id));
      return;
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    slot.settle(errorFrame(ErrorCode.INTERNAL_ERROR, 'internal error; the request was not processed', frame.id));
  }
}
