/**
 * Every `code` an error frame can carry. docs/protocol.md and docs/asyncapi.yaml list them
 * with their meaning; codes only HTTP bodies carry are in errors/http-error-codes.ts.
 */
export const ErrorCode = {
  BAD_JSON: 'BAD_JSON',
  BAD_REQUEST: 'BAD_REQUEST',
  UNKNOWN_EVENT: 'UNKNOWN_EVENT',
  INVALID_CHANNEL: 'INVALID_CHANNEL',
  FORBIDDEN: 'FORBIDDEN',
  TOO_MANY_SUBSCRIPTIONS: 'TOO_MANY_SUBSCRIPTIONS',
  RATE_LIMITED: 'RATE_LIMITED',
  TRANSPORT_UNAVAILABLE: 'TRANSPORT_UNAVAILABLE',
  /** rpc: no worker replied within RPC_TIMEOUT_MS. */
  RPC_TIMEOUT: 'RPC_TIMEOUT',
  /** rpc: no RPC backend, the queue is unreachable, or the node holds RPC_MAX_PENDING requests. */
  RPC_UNAVAILABLE: 'RPC_UNAVAILABLE',
  /** rpc: the worker answered with an error of its own (in `data.error`). */
  RPC_ERROR: 'RPC_ERROR',
  /** rpc: the connection already waits on RPC_MAX_IN_FLIGHT requests. */
  RPC_TOO_MANY_IN_FLIGHT: 'RPC_TOO_MANY_IN_FLIGHT',
  /** rpc: the payload is over RPC_MAX_PAYLOAD_BYTES. */
  RPC_PAYLOAD_TOO_LARGE: 'RPC_PAYLOAD_TOO_LARGE',
  /** presence, presence_stats, GET /api/channels/{channel}/presence: the channel has no presence (PRESENCE_CHANNELS, CHANNELS_CONFIG). */
  PRESENCE_OFF: 'PRESENCE_OFF',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** WebSocket close codes the gateway uses (RFC 6455 and the IANA registry). */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  INTERNAL_ERROR: 1011,
  SERVICE_RESTART: 1012,
  /** Private-use code: the client did not read its messages fast enough (MAX_BUFFERED_BYTES). */
  SLOW_CONSUMER: 4008,
} as const;
