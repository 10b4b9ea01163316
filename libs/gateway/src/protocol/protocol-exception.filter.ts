import { type ArgumentsHost, Catch, Logger, type WsExceptionFilter } from '@nestjs/common';
import { WebSocket } from 'ws';
import { encodeError } from './encode.js';
import { ErrorCode } from './error-codes.js';
import type { ClientFrame } from './frames.js';
import { GatewayError } from '../errors/gateway-error.js';

/** Turns anything a message handler throws into an error frame answering the request's `id`. */
@Catch()
export class ProtocolExceptionFilter implements WsExceptionFilter {
  private readonly logger = new Logger('Gateway');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ws = host.switchToWs();
    const socket = ws.getClient<WebSocket>();
    const frame = ws.getData<ClientFrame | undefined>();
    let text: string;
    if (exception instanceof GatewayError) {
      text = encodeError(exception.code, exception.message, frame?.id);
    } else {
      this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
      text = encodeError(ErrorCode.INTERNAL_ERROR, 'internal error; the request was not processed', frame?.id);
    }
    if (socket.readyState === WebSocket.OPEN) socket.send(text);
  }
}
