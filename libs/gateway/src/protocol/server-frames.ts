import type { ErrorCode } from './error-codes.js';
import type { ServerFrame } from './wire-format.js';

/** An error frame; `id` is present when answering a request that carried a usable one. */
export function errorFrame(code: ErrorCode, message: string, id?: string | number): ServerFrame {
  return id === undefined ? { event: 'error', data: { code, message } } : { event: 'error', data: { code, message }, id };
}
