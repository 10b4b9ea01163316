/**
 * The two wire dialects the load generator speaks over the same raw `ws` clients:
 *
 * - `json`: Switchboard's protocol (docs/protocol.md), which the `ws` bridge and the raw
 *   `ws` ceiling peers speak too;
 * - `socketio`: Socket.IO v5 packets in Engine.IO v4 frames over a websocket-only
 *   transport (`/socket.io/?EIO=4&transport=websocket`), spoken directly instead of with
 *   socket.io-client, so every server is driven by the same cheap client and the
 *   generator's own cost does not differ between servers.
 *
 * Published payloads are 64 bytes of JSON: `{"s":<step>,"t":<µs>,"p":"xx…"}`, the send
 * time on CLOCK_MONOTONIC (shared by all processes on the machine) and the step it
 * belongs to, which subscribers read back with two byte searches, no JSON.parse.
 */
export type ClientProtocol = 'json' | 'socketio';

export const PAYLOAD_BYTES = 64;

export function subscribeFrame(protocol: ClientProtocol, channel: string, id: number): string {
  return protocol === 'json'
    ? `{"event":"subscribe","data":{"channel":"${channel}"},"id":${id}}`
    : `42${id}["subscribe",{"channel":"${channel}"}]`; // EVENT with ack id → answered by `43<id>[…]`
}

export function publishFrame(protocol: ClientProtocol, channel: string, payloadJson: string): string {
  return protocol === 'json'
    ? `{"event":"publish","data":{"channel":"${channel}","payload":${payloadJson}}}`
    : `42["publish",{"channel":"${channel}","payload":${payloadJson}}]`;
}

/** A 64-byte payload carrying the step and the send time. */
export function payload(step: number, sentMicros: number): string {
  const head = `{"s":${step},"t":${sentMicros},"p":"`;
  return `${head}${'x'.repeat(Math.max(0, PAYLOAD_BYTES - head.length - 2))}"}`;
}

const S_KEY = Buffer.from('"s":');
const T_KEY = Buffer.from('"t":');

function readUint(frame: Buffer, from: number): number {
  let n = 0;
  for (let i = from; i < frame.length; i++) {
    const c = frame[i]!;
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
  }
  return n;
}

/** Step and send time of a delivered bench message, or undefined for any other frame.
 *  (`"ts":` in the envelope never matches `"t":`, nor `"s":`.) */
export function readDelivery(frame: Buffer): { step: number; sentMicros: number } | undefined {
  const t = frame.indexOf(T_KEY);
  if (t < 0) return undefined;
  const s = frame.indexOf(S_KEY);
  if (s < 0) return undefined;
  return { step: readUint(frame, s + 4), sentMicros: readUint(frame, t + 4) };
}

/** Whether a frame acknowledges a subscribe. */
export function isSubscribeAck(protocol: ClientProtocol, frame: Buffer): boolean {
  if (protocol === 'socketio') return frame[0] === 0x34 && frame[1] === 0x33; // "43<id>[…]"
  return frame.includes('"event":"subscribed"');
}
