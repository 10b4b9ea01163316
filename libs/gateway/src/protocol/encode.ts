import { binaryReplacer } from './binary-payload.js';

/**
 * The broadcast frame, built once by the origin node and sent verbatim to every
 * subscriber on every node. Built by hand so the payload is stringified exactly once.
 */
export function encodeMessage(channel: string, payload: unknown, node: string, ts: number, options: { binary?: boolean } = {}): string {
  const json = options.binary ? JSON.stringify(payload, binaryReplacer) : JSON.stringify(payload);
  return `{"event":"message","data":{"channel":${JSON.stringify(channel)},"payload":${json},"node":${JSON.stringify(node)},"ts":${ts}}}`;
}
