export { ConnectionRegistry } from './connections/connection-registry.js';
export { GatewayError } from './errors/gateway-error.js';
export {
  API_ERROR_STATUS,
  API_ERRORS,
  type ApiErrorCode,
  codeOfStatus,
  HttpErrorCode,
  type HttpErrorBody,
  httpError,
  SHARED_HTTP_ERROR_CODES,
} from './errors/http-error-codes.js';
export { answerOf, HttpErrorFilter } from './errors/http-error.filter.js';
export { httpStatusOf } from './errors/http-status.js';
export { enforceHandshakeDeadline } from './limits/handshake-deadline.js';
export { GatewayModule } from './gateway.module.js';
export { CloseCode, ErrorCode } from './protocol/error-codes.js';
export { CHANNEL_PATTERN } from './protocol/frames.js';
export { parseClientFrame } from './protocol/parse-frame.js';
export { Publisher } from './publisher.service.js';
export { enableGracefulShutdown, GracefulShutdown } from './shutdown/graceful-shutdown.js';
export { SwitchboardWsAdapter } from './ws/switchboard-ws.adapter.js';
