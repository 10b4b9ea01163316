export { ConnectionRegistry } from './connections/connection-registry.js';
export { enforceHandshakeDeadline } from './limits/handshake-deadline.js';
export { GatewayModule } from './gateway.module.js';
export { CloseCode, ErrorCode } from './protocol/error-codes.js';
export { CHANNEL_PATTERN } from './protocol/frames.js';
export { parseClientFrame } from './protocol/parse-frame.js';
export { Publisher } from './publisher.service.js';
export { enableGracefulShutdown, GracefulShutdown } from './shutdown/graceful-shutdown.js';
export { SwitchboardWsAdapter } from './ws/switchboard-ws.adapter.js';
