import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { Decoder, Encoder, decode as mpDecode, encode as mpEncode } from '@msgpack/msgpack';
import { Packr } from 'msgpackr';
import { reviveBinary } from '../../libs/gateway/src/protocol/binary-payload.js';
import { IpcChild } from '../lib/ipc-child.js';
import { BLOB, REALISTIC_FIELDS } from '../loadgen/protocol.js';

/**
 * MessagePack libraries side by side on the frames Switchboard puts on the wire: msgpackr
 * with the server's options (libs/gateway/src/protocol/wire-format.ts) and
 * @msgpack/msgpack, both as installed. Per frame shape: encoded bytes, encode and decode
 * operations per second, and whether each library reads the other's bytes back to the
 * same value. JSON (JSON.stringify / JSON.parse of the text) is the reference row.
 *
 * Timing: each (library, operation, frame) runs in windows of `windowMs`, the libraries
 * taking turns, `rounds` times; the best window counts (other processes on the machine
 * only ever slow a window down). Runs in a child process of its own (fresh JIT, its CPU
 * apart from the orchestrator's), ≈ 20 s with the default options.
 */
export interface MsgpackLibsOptions {
  windowMs: number;
  rounds: number;
}

export const MSGPACK_LIBS_DEFAULTS: MsgpackLibsOptions = { windowMs: 60, rounds: 8 };

export type LibId = 'msgpackr' | 'msgpack-reused' | 'msgpack-functions' | 'json';

export const LIB_LABELS: Record<LibId, string> = {
  msgpackr: 'msgpackr (server options)',
  'msgpack-reused': '@msgpack/msgpack, one Encoder/Decoder reused',
  'msgpack-functions': '@msgpack/msgpack encode()/decode()',
  json: 'JSON.stringify / JSON.parse (reference)',
};

export interface ShapeResult {
  shape: string;
  description: string;
  /** Encoded size per library (JSON: UTF-8 bytes of the text). */
  bytes: Partial<Record<LibId, number>>;
  encodeOpsPerSec: Partial<Record<LibId, number>>;
  decodeOpsPerSec: Partial<Record<LibId, number>>;
  /** msgpackr ÷ @msgpack/msgpack (reused instances), ops/s: above 1 msgpackr is faster. */
  encodeRatio: number;
  decodeRatio: number;
  /** Whether each library decodes the other's bytes to the original value; what differs otherwise. */
  interop: { msgpackrReadsMsgpack: string; msgpackReadsMsgpackr: string };
}

export interface MsgpackLibsResult {
  options: MsgpackLibsOptions;
  versions: Record<string, string>;
  node: string;
  shapes: ShapeResult[];
  /** The server's broadcast path per node (JSON.parse of the bus frame, reviveBinary, encode) per library, ops/s. */
  serverPath: { shape: string; opsPerSec: Partial<Record<LibId, number>>; ratio: number }[];
  seconds: number;
}

const SERVER_OPTIONS = { useRecords: false, mapsAsObjects: true, variableMapSize: true } as const;

/** Frames as the server builds them (bench/loadgen/protocol.ts has the payloads). */
function shapes(): { shape: string; description: string; value: unknown; busText?: string }[] {
  const payload = { s: 101, t: 5_412_345_678, ...REALISTIC_FIELDS };
  const message = (p: unknown) => ({ event: 'message', data: { channel: 'chat:room-42', payload: p, node: 'sb-1', ts: 1_796_165_889_049 } });
  const busText = (p: unknown) => JSON.stringify(message(p), function (this: Record<string, unknown>, key, value) {
    const original = this[key];
    return original instanceof Uint8Array ? { $binary: Buffer.from(original).toString('base64') } : value;
  });
  return [
    { shape: 'message', description: '`message` broadcast, ≈ 200-byte realistic payload', value: message(payload), busText: busText(payload) },
    { shape: 'message + 1 KiB bin', description: 'the same with a 1 KiB byte string in the payload', value: message({ ...payload, blob: BLOB }), busText: busText({ ...payload, blob: BLOB }) },
    { shape: 'subscribed', description: '`subscribed` reply', value: { event: 'subscribed', data: { channel: 'chat:room-42' }, id: 17 } },
    { shape: 'publish', description: '`publish` request with the realistic payload', value: { event: 'publish', data: { channel: 'chat:room-42', payload }, id: 18 } },
  ];
}

type Codec = { encode(v: unknown): Uint8Array | string; decode(b: Uint8Array | string): unknown };

function codecs(): Record<LibId, Codec> {
  const packr = new Packr(SERVER_OPTIONS);
  const encoder = new Encoder();
  const decoder = new Decoder();
  return {
    msgpackr: { encode: (v) => packr.pack(v), decode: (b) => packr.unpack(b as Uint8Array) },
    'msgpack-reused': { encode: (v) => encoder.encode(v), decode: (b) => decoder.decode(b as Uint8Array) },
    'msgpack-functions': { encode: (v) => mpEncode(v), decode: (b) => mpDecode(b as Uint8Array) },
    json: { encode: (v) => JSON.stringify(v), decode: (b) => JSON.parse(b as string) },
  };
}

let sink = 0;

/** Operations per second of `op` over one window of about `ms`. */
function window(op: () => unknown, ms: number): number {
  let n = 0;
  let batch = 64;
  const began = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < batch; i++) {
      const out = op();
      sink ^= typeof out === 'string' ? out.length : out instanceof Uint8Array ? out.byteLength : 1;
    }
    n += batch;
    elapsed = performance.now() - began;
    if (elapsed < ms / 8) batch *= 2;
  }
  return n / (elapsed / 1000);
}

/** Best of `rounds` windows per op, the ops taking turns within each round. */
function best(ops: Record<string, () => unknown>, options: MsgpackLibsOptions): Record<string, number> {
  const result: Record<string, number> = {};
  for (const op of Object.values(ops)) window(op, options.windowMs / 2); // warm-up
  for (let round = 0; round < options.rounds; round++) {
    const names = Object.keys(ops);
    for (const name of round % 2 === 0 ? names : names.reverse()) result[name] = Math.max(result[name] ?? 0, window(ops[name]!, options.windowMs));
  }
  return result;
}

function describeMismatch(original: unknown, decoded: unknown): string {
  if (isDeepStrictEqual(normalize(original), normalize(decoded))) return 'same value';
  const bigints: string[] = [];
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'bigint') bigints.push(path);
    else if (v && typeof v === 'object' && !(v instanceof Uint8Array)) for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
  };
  walk(decoded, '');
  return bigints.length > 0 ? `differs: ${bigints.map((p) => p.slice(1)).join(', ')} decoded as BigInt` : 'differs';
}

/** Byte strings compare by content whatever their class (Buffer vs Uint8Array). */
function normalize(v: unknown): unknown {
  if (v instanceof Uint8Array) return { bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex') };
  if (Array.isArray(v)) return v.map(normalize);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x)]));
  return v;
}

/** The measurement itself, in this process (the child calls it). */
export function measureMsgpackLibs(options: MsgpackLibsOptions = MSGPACK_LIBS_DEFAULTS): MsgpackLibsResult {
  const began = performance.now();
  const libs = codecs();
  const ids = Object.keys(libs) as LibId[];
  const results: ShapeResult[] = [];
  const serverPath: MsgpackLibsResult['serverPath'] = [];
  for (const { shape, description, value, busText } of shapes()) {
    const encoded = Object.fromEntries(ids.map((id) => [id, copy(libs[id].encode(value))])) as Record<LibId, Uint8Array | string>;
    const bytes = Object.fromEntries(ids.map((id) => [id, typeof encoded[id] === 'string' ? Buffer.byteLength(encoded[id]) : encoded[id].byteLength])) as Record<LibId, number>;
    // JSON has no bytes: its row encodes the frame as the server's JSON clients get it.
    const jsonValue = JSON.parse(busText ?? JSON.stringify(value)) as unknown;
    const enc = best(Object.fromEntries(ids.map((id) => [id, () => libs[id].encode(id === 'json' ? jsonValue : value)])), options);
    const encodedJson = JSON.stringify(jsonValue);
    const dec = best(Object.fromEntries(ids.map((id) => [id, () => libs[id].decode(id === 'json' ? encodedJson : encoded[id])])), options);
    results.push({
      shape,
      description,
      bytes: { ...bytes, json: Buffer.byteLength(encodedJson) },
      encodeOpsPerSec: enc,
      decodeOpsPerSec: dec,
      encodeRatio: enc.msgpackr! / enc['msgpack-reused']!,
      decodeRatio: dec.msgpackr! / dec['msgpack-reused']!,
      interop: {
        msgpackrReadsMsgpack: describeMismatch(value, libs.msgpackr.decode(encoded['msgpack-reused'])),
        msgpackReadsMsgpackr: describeMismatch(value, libs['msgpack-reused'].decode(encoded.msgpackr)),
      },
    });
    if (busText) {
      // What a node does per broadcast and MessagePack-speaking channel (EncodedBroadcast → MSGPACK_FORMAT.encodeBroadcast).
      const path = best(
        {
          msgpackr: () => libs.msgpackr.encode(reviveBinary(JSON.parse(busText))),
          'msgpack-reused': () => libs['msgpack-reused'].encode(reviveBinary(JSON.parse(busText))),
        },
        options,
      );
      serverPath.push({ shape, opsPerSec: path, ratio: path.msgpackr! / path['msgpack-reused']! });
    }
  }
  return { options, versions: versions(), node: process.version, shapes: results, serverPath, seconds: (performance.now() - began) / 1000 };
}

/** Encoders may return views of a buffer they reuse: keep a copy for decoding. */
function copy(out: Uint8Array | string): Uint8Array | string {
  return typeof out === 'string' ? out : Uint8Array.prototype.slice.call(out);
}

function versions(): Record<string, string> {
  const read = (name: string): string => {
    try {
      // Neither package exports its package.json: read it from node_modules.
      const url = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
      return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
    } catch {
      return 'unknown';
    }
  };
  return { msgpackr: read('msgpackr'), '@msgpack/msgpack': read('@msgpack/msgpack') };
}

/** Runs the measurement in a child process of its own (workloads/msgpack-libs.child.ts). */
export async function runMsgpackLibs(options: MsgpackLibsOptions, log: (line: string) => void): Promise<MsgpackLibsResult> {
  const child = new IpcChild('msgpack-libs', new URL('./msgpack-libs.child.ts', import.meta.url));
  try {
    const result = await child.request<MsgpackLibsResult>({ type: 'measure', options }, 300_000);
    for (const s of result.shapes) {
      log(
        `  ${s.shape.padEnd(20)} bytes msgpackr ${s.bytes.msgpackr} / @msgpack ${s.bytes['msgpack-reused']} / JSON ${s.bytes.json}; ` +
          `encode ${kops(s.encodeOpsPerSec.msgpackr)} vs ${kops(s.encodeOpsPerSec['msgpack-reused'])} k/s (${s.encodeRatio.toFixed(2)}×), ` +
          `decode ${kops(s.decodeOpsPerSec.msgpackr)} vs ${kops(s.decodeOpsPerSec['msgpack-reused'])} k/s (${s.decodeRatio.toFixed(2)}×)`,
      );
    }
    return result;
  } finally {
    await child.stop();
  }
}

const kops = (n: number | undefined): string => (n === undefined ? '–' : (n / 1000).toFixed(0));
