import { ErrorCode } from '../protocol/error-codes.js';

/** The HTTP status each error code answers with at the HTTP edge. */
const STATUS: Record<ErrorCode, number> = {
  [ErrorCode.BAD_JSON]: 400,
  [ErrorCode.BAD_REQUEST]: 400,
  [ErrorCode.UNKNOWN_EVENT]: 400,
  [ErrorCode.INVALID_CHANNEL]: 400,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.TOO_MANY_SUBSCRIPTIONS]: 409,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.TRANSPORT_UNAVAILABLE]: 503,
  [ErrorCode.HISTORY_OFF]: 404,
  [ErrorCode.INTERNAL_ERROR]: 500,
};

export const httpStatusOf = (code: ErrorCode): number => STATUS[code];
