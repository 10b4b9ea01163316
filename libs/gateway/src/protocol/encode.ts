import type { ErrorCode } from './error-codes.js';
import type { Reply } from './frames.js';

/** A server frame as the client receives it. `id` is present only when answering a request that had one. */
export function encodeReply(reply: Reply, id?: string | number): string {
  const frame = { event: reply.event, data: reply.data };
  return JSON.stringify(id === undefined ? frame : { ...frame, id });
}

export function encodeError(code: ErrorCode, message: string, id?: string | number): string {
  return encodeReply({ event: 'error', data: { code, message } }, id);
}

/**
 * The broadcast frame, built once by the origin node and sent verbatim to every
 * subscriber on every node. Built by hand so the payload is stringified exactly once.
 */
export function encodeMessage(channel: string, payload: unknown, node: string, ts: number): string {
  return `{"event":"message","data":{"channel":${JSON.stringify(channel)},"payload":${JSON.stringify(payload)},"node":${JSON.stringify(node)},"ts":${ts}}}`;
}
