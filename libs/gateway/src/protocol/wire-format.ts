import { Packr } from 'msgpackr';
import type { RawData } from 'ws';
import { reviveBinary } from './binary-payload.js';
import { ErrorCode } from './error-codes.js';
import { type ParseResult, parseClientFrame, parseFrameValue } from './parse-frame.js';
import { encodeBinaryFrame, encodeTextFrame } from '../outbound/ws-frames.js';

/** A frame the server sends; `id` answers the request that carried one. */
export interface ServerFrame {
  event: string;
  data: unknown;
  id?: string | number;
}

/**
 * One way of putting frames on the wire, chosen per connection by subprotocol:
 * `switchboard.json` (and plain `switchboard`, or none: the default) or
 * `switchboard.msgpack`. Both carry the same event model.
 */
export interface WireFormat {
  readonly name: 'json' | 'msgpack';
  /** A complete WebSocket frame carrying `frame`. */
  encode(frame: ServerFrame): Buffer;
  /** A broadcast's WebSocket frame, from its client-ready JSON text (built once per broadcast and format). */
  encodeBroadcast(json: string): Buffer;
  /** Parses and validates one inbound message. */
  parse(raw: RawData, isBinary: boolean): ParseResult;
}

const toBuffer = (raw: RawData): Buffer => (Array.isArray(raw) ? Buffer.concat(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw));

export const JSON_FORMAT: WireFormat = {
  name: 'json',
  encode: (frame) => encodeTextFrame(JSON.stringify(frame)),
  encodeBroadcast: (json) => encodeTextFrame(json),
  parse: (raw, isBinary) =>
    isBinary
      ? { ok: false, code: ErrorCode.BAD_REQUEST, message: 'binary frames need the switchboard.msgpack subprotocol; send JSON text frames' }
      : parseClientFrame(toBuffer(raw).toString()),
};

// Plain maps both ways (no msgpackr records extension): any MessagePack library can talk to it.
// int64AsType: other libraries (e.g. @msgpack/msgpack) send integers ≥ 2^32 as 64-bit ints, which must arrive as numbers, not BigInt (JSON cannot carry those).
const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true, int64AsType: 'number' });

export const MSGPACK_FORMAT: WireFormat = {
  name: 'msgpack',
  encode: (frame) => encodeBinaryFrame(packr.pack(frame)),
  encodeBroadcast: (json) => encodeBinaryFrame(packr.pack(reviveBinary(JSON.parse(json)))),
  parse: (raw, isBinary) => {
    if (!isBinary) return { ok: false, code: ErrorCode.BAD_REQUEST, message: 'this connection speaks switchboard.msgpack: send binary MessagePack frames' };
    let value: unknown;
    try {
      value = packr.unpack(toBuffer(raw));
    } catch {
      return { ok: false, code: ErrorCode.BAD_REQUEST, message: 'frame is not valid MessagePack' };
    }
    return parseFrameValue(value);
  },
};

/** Subprotocols a client may offer, in the server's terms. */
export const SUBPROTOCOLS: Record<string, WireFormat> = {
  switchboard: JSON_FORMAT,
  'switchboard.json': JSON_FORMAT,
  'switchboard.msgpack': MSGPACK_FORMAT,
};

/** The format of an open socket, from the subprotocol its handshake agreed on. */
export const formatOf = (protocol: string): WireFormat => SUBPROTOCOLS[protocol] ?? JSON_FORMAT;
