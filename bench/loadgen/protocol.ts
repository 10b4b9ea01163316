import { Packr } from 'msgpackr';

/**
 * The wire dialects the load generator speaks over the same raw `ws` clients:
 *
 * - `json`: Switchboard's protocol (docs/protocol.md), which the `ws` bridge and the raw
 *   `ws` ceiling peers speak too;
 * - `msgpack`: the same protocol in binary MessagePack frames, subprotocol
 *   `switchboard.msgpack` (docs/protocol.md "Wire formats"), Switchboard only;
 * - `socketio`: Socket.IO v5 packets in Engine.IO v4 frames over a websocket-only
 *   transport (`/socket.io/?EIO=4&transport=websocket`), spoken directly instead of with
 *   socket.io-client, so every server is driven by the same cheap client and the
 *   generator's own cost does not differ between servers.
 *
 * Published payloads carry the step and the send time first (`{"s":<step>,"t":<µs>,…}`,
 * CLOCK_MONOTONIC, shared by all processes on the machine), which subscribers read back
 * without decoding the frame: two byte searches in JSON, a short walk in MessagePack.
 * The payload is 64 bytes of JSON by default (`small`); the formats workload also sends
 * a ≈ 200-byte object of a realistic shape (`realistic`) and the same with a 1 KiB byte
 * string (`binary`: MessagePack `bin`, `{"$binary": "<base64>"}` in JSON).
 */
export type ClientProtocol = 'json' | 'msgpack' | 'socketio';
export type PayloadKind = 'small' | 'realistic' | 'binary';

export const PAYLOAD_BYTES = 64;
export const MSGPACK_SUBPROTOCOL = 'switchboard.msgpack';

/**
 * msgpackr with the server's options (libs/gateway/src/protocol/wire-format.ts): plain
 * maps, no records extension. Chosen over @msgpack/msgpack for the generator because it
 * is the faster of the two (bench/msgpack-libs.ts) and, unlike @msgpack/msgpack, writes
 * integers above 2^32 (the send time in µs) as float64, which the server reads back as
 * a number; see the note in bench/README.md.
 */
export const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });

/** The fields of the realistic payload after `s` and `t`: an order-fill event. */
export const REALISTIC_FIELDS = {
  id: 'ord-7f3a9c21',
  user: { id: 48213, name: 'Ada Lovelace' },
  text: 'Filled 3 AAPL @ 187.25, venue XNAS',
  price: 187.25,
  qty: 3,
  side: 'buy',
  ok: true,
  tags: ['fill', 'equities'],
};
const REALISTIC_TAIL = JSON.stringify(REALISTIC_FIELDS).slice(1); // `"id":…}` without the `{`

/** The 1 KiB byte string of the `binary` payload (fixed pseudo-random bytes). */
export const BLOB = Buffer.from(Array.from({ length: 1024 }, (_, i) => (i * 2654435761) >>> 24));
const BLOB_JSON = `,"blob":{"$binary":"${BLOB.toString('base64')}"}}`;

export function subscribeFrame(protocol: ClientProtocol, channel: string, id: number): string | Buffer {
  if (protocol === 'msgpack') return packr.pack({ event: 'subscribe', data: { channel }, id });
  return protocol === 'json'
    ? `{"event":"subscribe","data":{"channel":"${channel}"},"id":${id}}`
    : `42${id}["subscribe",{"channel":"${channel}"}]`; // EVENT with ack id → answered by `43<id>[…]`
}

/** One publish request carrying a payload of `kind` with the step and send time. */
export function publishFrame(protocol: ClientProtocol, channel: string, step: number, sentMicros: number, kind: PayloadKind = 'small'): string | Buffer {
  if (protocol === 'msgpack') return packr.pack({ event: 'publish', data: { channel, payload: payloadValue(kind, step, sentMicros) } });
  const json = payloadJson(kind, step, sentMicros);
  return protocol === 'json'
    ? `{"event":"publish","data":{"channel":"${channel}","payload":${json}}}`
    : `42["publish",{"channel":"${channel}","payload":${json}}]`;
}

/** A 64-byte payload carrying the step and the send time. */
export function payload(step: number, sentMicros: number): string {
  const head = `{"s":${step},"t":${sentMicros},"p":"`;
  return `${head}${'x'.repeat(Math.max(0, PAYLOAD_BYTES - head.length - 2))}"}`;
}

/** The payload of `kind` as JSON text (the binary one with the `$binary` marker). */
export function payloadJson(kind: PayloadKind, step: number, sentMicros: number): string {
  if (kind === 'small') return payload(step, sentMicros);
  const head = `{"s":${step},"t":${sentMicros},${REALISTIC_TAIL}`;
  return kind === 'realistic' ? head : `${head.slice(0, -1)}${BLOB_JSON}`;
}

/** The payload of `kind` as a value (the binary one with a Buffer), for MessagePack. */
export function payloadValue(kind: PayloadKind, step: number, sentMicros: number): Record<string, unknown> {
  if (kind === 'small') return JSON.parse(payload(step, sentMicros)) as Record<string, unknown>;
  return kind === 'realistic' ? { s: step, t: sentMicros, ...REALISTIC_FIELDS } : { s: step, t: sentMicros, ...REALISTIC_FIELDS, blob: BLOB };
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

// MessagePack: the server packs {event, data: {channel, payload: {s, t, …}, node, ts}}
// with its keys in that order, so the payload's map header follows the key "payload".
const PAYLOAD_KEY = Buffer.from([0xa7, ...Buffer.from('payload')]);
const FIXSTR_S = 0xa1_73; // fixstr "s"
const FIXSTR_T = 0xa1_74; // fixstr "t"

/** A MessagePack number at `at`: [value, next offset], or undefined if none is there. */
function readNumber(frame: Buffer, at: number): [number, number] | undefined {
  if (at >= frame.length) return undefined;
  const b = frame[at]!;
  if (b <= 0x7f) return [b, at + 1];
  if (b >= 0xe0) return [b - 0x100, at + 1];
  switch (b) {
    case 0xcc: return [frame.readUInt8(at + 1), at + 2];
    case 0xcd: return [frame.readUInt16BE(at + 1), at + 3];
    case 0xce: return [frame.readUInt32BE(at + 1), at + 5];
    case 0xcf: return [Number(frame.readBigUInt64BE(at + 1)), at + 9];
    case 0xd0: return [frame.readInt8(at + 1), at + 2];
    case 0xd1: return [frame.readInt16BE(at + 1), at + 3];
    case 0xd2: return [frame.readInt32BE(at + 1), at + 5];
    case 0xd3: return [Number(frame.readBigInt64BE(at + 1)), at + 9];
    case 0xca: return [frame.readFloatBE(at + 1), at + 5];
    case 0xcb: return [frame.readDoubleBE(at + 1), at + 9];
    default: return undefined;
  }
}

/** The same for a MessagePack `message` frame: finds the payload map and reads its first
 *  two entries, `s` and `t`, without decoding the rest (a 1 KiB `bin` costs nothing). */
export function readMsgpackDelivery(frame: Buffer): { step: number; sentMicros: number } | undefined {
  const key = frame.indexOf(PAYLOAD_KEY);
  if (key < 0) return undefined;
  let at = key + PAYLOAD_KEY.length;
  const header = frame[at];
  if (header === undefined) return undefined;
  if (header >= 0x80 && header <= 0x8f) at += 1;
  else if (header === 0xde) at += 3;
  else if (header === 0xdf) at += 5;
  else return undefined;
  if (at + 2 > frame.length || frame.readUInt16BE(at) !== FIXSTR_S) return undefined;
  const s = readNumber(frame, at + 2);
  if (!s || s[1] + 2 > frame.length || frame.readUInt16BE(s[1]) !== FIXSTR_T) return undefined;
  const t = readNumber(frame, s[1] + 2);
  return t ? { step: s[0], sentMicros: t[0] } : undefined;
}

const SUBSCRIBED = Buffer.from('subscribed');

/** Whether a frame acknowledges a subscribe. */
export function isSubscribeAck(protocol: ClientProtocol, frame: Buffer): boolean {
  if (protocol === 'socketio') return frame[0] === 0x34 && frame[1] === 0x33; // "43<id>[…]"
  if (protocol === 'msgpack') return frame.includes(SUBSCRIBED) && (packr.unpack(frame) as { event?: string }).event === 'subscribed';
  return frame.includes('"event":"subscribed"');
}

/** Bytes a server → client WebSocket frame takes on the wire: the payload plus the
 *  unmasked header (RFC 6455 §5.2: 2 bytes, 4 from 126, 10 from 65,536). */
export function wsFrameBytes(payloadLength: number): number {
  return payloadLength + (payloadLength < 126 ? 2 : payloadLength < 65_536 ? 4 : 10);
}
