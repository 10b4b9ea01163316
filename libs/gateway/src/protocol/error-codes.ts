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
