/** Codes the client itself raises; server error codes (docs/protocol.md "Errors") pass through as they are. */
export type ClientErrorCode =
  /** No reply within `requestTimeoutMs` (an rpc's `timeoutMs`), or a queued publish or rpc not sent within `offlineTimeoutMs`. */
  | 'TIMEOUT'
  /** The connection was lost while the request was outstanding. */
  | 'DISCONNECTED'
  /** `publish` or `rpc` while not connected, with `offline: 'reject'`. */
  | 'OFFLINE'
  /** `publish` or `rpc` while not connected and `offlineQueueSize` requests already wait. */
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
  | 'RPC_TIMEOUT'
  | 'RPC_UNAVAILABLE'
  | 'RPC_ERROR'
  | 'RPC_TOO_MANY_IN_FLIGHT'
  | 'RPC_PAYLOAD_TOO_LARGE'
  | 'INTERNAL_ERROR';

/** The worker's own error, carried by RPC_ERROR (docs/protocol.md "RPC"). */
export interface RpcWorkerError {
  /** The worker's code, e.g. `METHOD_NOT_FOUND`, or the application's own. */
  code: string;
  message: string;
  data?: unknown;
}

export type ErrorCode = ClientErrorCode | ServerErrorCode;

export class SwitchboardError extends Error {
  override name = 'SwitchboardError';
  /** A client or server error code; an unknown server code is kept as the server sent it. */
  readonly code: ErrorCode | (string & {});
  /**
   * For the client's TIMEOUT, DISCONNECTED, OFFLINE, QUEUE_FULL (and CLOSED, when known):
   * whether the request had been written to the socket. A publish (or rpc) that was not sent was not carried out and is
   * safe to retry; one that was sent may have been.
   */
  readonly sent?: boolean;
  /** For RPC_ERROR: the worker's error, `{code, message, data?}`. */
  readonly error?: RpcWorkerError;

  constructor(code: ErrorCode | (string & {}), message: string, options?: { cause?: unknown; sent?: boolean; error?: RpcWorkerError }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options?.sent !== undefined) this.sent = options.sent;
    if (options?.error) this.error = options.error;
  }
}
