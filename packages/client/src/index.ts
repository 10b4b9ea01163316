export { Switchboard, type ConnectionState, type Disconnect, type SwitchboardEvents } from './switchboard.js';
export { Subscription, type Gap, type Subscribed, type SubscriptionEvents, type SubscriptionState } from './subscription.js';
export { SwitchboardError, type ClientErrorCode, type ErrorCode, type RpcWorkerError, type ServerErrorCode } from './errors.js';
export { msgpackFormat, type MessagePackCodec, type WireFormat } from './format.js';
export type { SwitchboardOptions } from './options.js';
export type { ClientFrame, Message, PublishAck, StreamPosition, Welcome } from './protocol.js';
export type { WebSocketConstructor, WebSocketLike } from './socket-session.js';
export type { TokenOption } from './token.js';
