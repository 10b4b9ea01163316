/**
 * Throw it from a handler to answer the client with `RPC_ERROR` carrying this `code`,
 * `message` and optional `data` (anything else thrown answers `INTERNAL`, without its message).
 * `code` is 1-64 characters from A-Za-z0-9_.:-.
 */
export class RpcError extends Error {
  readonly code: string;
  readonly data: unknown;

  constructor(code: string, message: string, data?: unknown) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    this.data = data;
  }
}

/** Codes the helper itself answers with. */
export const WorkerErrorCode = {
  METHOD_NOT_FOUND: 'METHOD_NOT_FOUND',
  INTERNAL: 'INTERNAL',
} as const;
