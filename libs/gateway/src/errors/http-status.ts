import { ErrorCode } from '../protocol/error-codes.js';
import { API_ERROR_STATUS } from './http-error-codes.js';

/**
 * The HTTP status each protocol error code answers with at the HTTP edge (a
 * {@link GatewayError} thrown by shared logic). Codes the HTTP API answers with have
 * their status in API_ERROR_STATUS; the WebSocket-only ones get the nearest status.
 */
const STATUS: Record<ErrorCode, number> = {
  [ErrorCode.BAD_JSON]: API_ERROR_STATUS.BAD_JSON,
  [ErrorCode.BAD_REQUEST]: API_ERROR_STATUS.BAD_REQUEST,
  [ErrorCode.UNKNOWN_EVENT]: 400,
  [ErrorCode.INVALID_CHANNEL]: API_ERROR_STATUS.INVALID_CHANNEL,
  [ErrorCode.FORBIDDEN]: API_ERROR_STATUS.FORBIDDEN,
  [ErrorCode.TOO_MANY_SUBSCRIPTIONS]: 409,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.TRANSPORT_UNAVAILABLE]: API_ERROR_STATUS.TRANSPORT_UNAVAILABLE,
  [ErrorCode.RPC_TIMEOUT]: 504,
  [ErrorCode.RPC_UNAVAILABLE]: 503,
  [ErrorCode.RPC_ERROR]: 502,
  [ErrorCode.RPC_TOO_MANY_IN_FLIGHT]: 429,
  [ErrorCode.RPC_PAYLOAD_TOO_LARGE]: 413,
  [ErrorCode.PRESENCE_OFF]: API_ERROR_STATUS.PRESENCE_OFF,
  [ErrorCode.INTERNAL_ERROR]: API_ERROR_STATUS.INTERNAL_ERROR,
};

export const httpStatusOf = (code: ErrorCode): number => STATUS[code];
