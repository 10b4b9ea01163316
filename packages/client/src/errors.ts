/** Codes the client itself raises; server error codes (docs/protocol.md "Errors") pass through as they are. */
export type ClientErrorCode =
  /** No reply within `requestTimeoutMs`, or a queued publish not sent within `offlineTimeoutMs`. */
  | 'TIMEOUT'
  /** The connection was lost while the request was outstanding. */
  | 'DISCONNECTED'
  /** `publish` while not connected, with `offline: 'reject'`. */
  | 'OFFLINE'
  /** `publish` while not connected and `offlineQueueSize` publishes already wait. */
  | 'QUEUE_FULL'
  /** `close()` was called. */
  | 'CLOSED'
  /** The server refused the token and no fresh one could be had: the client stopped. */
  | 'UNAUTHORIZED'
  /** `subscribe` on a channel this client is already subscribed to. */
  | 'ALREADY_SUBSCRIBED'
  /** The WebSocket implementation refused the URL: the client stopped. */
  | 'INVALID_URL';

export type ServerErrorCode =
  | 'BAD_JSON'
  | 'BAD_REQUEST'
  | 'UNKNOWN_EVENT'
  | 'INVALID_CHANNEL'
  | 'FORBIDDEN'
  | 'TOO_MANY_SUBSCRIPTIONS'
  | 'RATE_LIMITED'
  | 'TRANSPORT_UNAVAILABLE'
  | 'INTERNAL_ERROR';

export type ErrorCode = ClientErrorCode | ServerErrorCode;

export class SwitchboardError extends Error {
  override name = 'SwitchboardError';
  /** A client or server error code; an unknown server code is kept as the server sent it. */
  readonly code: ErrorCode | (string & {});
  /**
   * For DISCONNECTED: whether the request had been written to the socket. A publish that
   * was not sent was not published and is safe to retry; one that was sent may have been.
   */
  readonly sent?: boolean;

  constructor(code: ErrorCode | (string & {}), message: string, options?: { cause?: unknown; sent?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options?.sent !== undefined) this.sent = options.sent;
  }
}
