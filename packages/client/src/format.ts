import type { ClientFrame } from './protocol.js';

/**
 * How frames are put on the wire (docs/protocol.md "Wire formats"): the subprotocol the
 * client offers (the server answers with it and speaks that format), and the codec.
 * JSON is the default; `msgpackFormat(codec)` speaks `switchboard.msgpack` with the
 * application's own MessagePack library. Any other object of this shape works too.
 */
export interface WireFormat {
  /** Offered first at the upgrade, before `bearer.<jwt>`: `switchboard` (JSON) or `switchboard.msgpack`. */
  readonly subprotocol: string;
  /** Set on the socket when defined: `'arraybuffer'` for binary formats, so frames arrive as bytes and not as Blobs. */
  readonly binaryType?: 'arraybuffer';
  /** One frame to send: a string goes out as a text frame, bytes as a binary one. */
  encode(frame: ClientFrame): string | Uint8Array;
  /** One frame received (a string, or bytes as the socket delivers them) to the value it encodes; may throw (the frame is then ignored). */
  decode(data: string | ArrayBuffer | Uint8Array): unknown;
}

/** The default: JSON text frames. Binary payloads arrive as `{"$binary": "<base64>"}`. */
export const jsonFormat: WireFormat = {
  subprotocol: 'switchboard',
  encode: (frame) => JSON.stringify(frame),
  // Binary frames are not JSON (a Buffer from `ws` would otherwise be parsed as its text).
  decode: (data) => (typeof data === 'string' ? JSON.parse(data) : undefined),
};

/** A MessagePack library's functions, e.g. `encode`/`decode` of `@msgpack/msgpack`, or `pack`/`unpack` of `msgpackr`. */
export interface MessagePackCodec {
  /** Must return bytes that stay as they are once returned (both libraries above do). */
  encode(value: unknown): Uint8Array;
  decode(bytes: Uint8Array): unknown;
}

/**
 * `switchboard.msgpack` with the application's own MessagePack library: binary frames,
 * and `Uint8Array`s anywhere in a payload travel as bytes (and arrive as bytes).
 *
 *   import { encode, decode } from '@msgpack/msgpack';
 *   new Switchboard(url, { format: msgpackFormat({ encode, decode }) });
 */
export function msgpackFormat(codec: MessagePackCodec): WireFormat {
  return {
    subprotocol: 'switchboard.msgpack',
    binaryType: 'arraybuffer',
    encode: (frame) => codec.encode(frame),
    decode: (data) => {
      if (typeof data === 'string') throw new TypeError('a text frame on a switchboard.msgpack connection');
      return codec.decode(data instanceof Uint8Array ? data : new Uint8Array(data));
    },
  };
}
