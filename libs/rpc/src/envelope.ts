import { z } from 'zod';

/**
 * The contract between gateway nodes and workers: JSON documents, versioned by `v`, the
 * same on every backend (a Kafka record's value, an AMQP message's body, an HTTP body),
 * so a worker can be written in any language. docs/rpc.md describes it for worker
 * authors. A change that an existing worker could misread gets a new `v`.
 */
export const ENVELOPE_VERSION = 1;

/** What a gateway node sends a worker for one client `rpc` request. */
export interface RpcRequestEnvelope {
  v: typeof ENVELOPE_VERSION;
  type: 'request';
  /** Correlation id, unique per request: the reply must carry it. */
  id: string;
  /** The client's method, already checked against the token's methods claim. */
  method: string;
  /** The client's payload (bytes from MessagePack clients as `{"$binary": "<base64>"}`); `null` when it sent none. */
  payload: unknown;
  /** The client's connection (the `connectionId` of its welcome): to push to it later, or to log. */
  connectionId: string;
  /** The token's `sub`; absent when authentication is off. */
  userId?: string;
  /** NODE_ID of the node the client is connected to. */
  node: string;
  /** Milliseconds since the epoch after which the client has been told RPC_TIMEOUT: drop the request, a reply is wasted. */
  deadline: number;
  /** Where the reply goes: a Kafka topic or an AMQP queue (HTTP: the response itself). */
  replyTo?: string;
}

/** A worker's error, passed to the client inside an `RPC_ERROR` error frame. */
export interface RpcWorkerError {
  code: string;
  message: string;
  data?: unknown;
}

/** A worker's answer to one request: exactly one of `result` and `error`. */
export interface RpcReplyEnvelope {
  v: typeof ENVELOPE_VERSION;
  type: 'reply';
  id: string;
  result?: unknown;
  error?: RpcWorkerError;
  /** The worker that answered, for logs. */
  worker?: string;
  /** Set by a worker that got the request as a redelivery (AMQP's redelivered flag; on Kafka: a partition it took over). */
  redelivered?: boolean;
}

export type RpcEventName = 'connect' | 'disconnect' | 'subscribe' | 'unsubscribe';
export const RPC_EVENT_NAMES = ['connect', 'disconnect', 'subscribe', 'unsubscribe'] as const satisfies readonly RpcEventName[];

/** A connection's life, for workers that want it (RPC_EVENTS): fire and forget. */
export interface RpcEventEnvelope {
  v: typeof ENVELOPE_VERSION;
  type: 'event';
  event: RpcEventName;
  connectionId: string;
  userId?: string;
  node: string;
  /** Milliseconds since the epoch at which the node saw it. */
  ts: number;
  /** subscribe and unsubscribe: the channel. */
  channel?: string;
}

export const WORKER_ERROR_CODE = /^[A-Za-z0-9_.:-]{1,64}$/;
const MAX_ERROR_MESSAGE = 1024;

const workerError = z
  .object({
    code: z.string().regex(WORKER_ERROR_CODE, 'error.code must be 1-64 characters from A-Za-z0-9_.:-'),
    message: z.string().max(MAX_ERROR_MESSAGE, `error.message must be at most ${MAX_ERROR_MESSAGE} characters`),
    data: z.unknown().optional(),
  })
  .strip();

/** A reply as received; unknown fields are ignored (a newer worker may add some). */
const replySchema = z
  .object({
    v: z.literal(ENVELOPE_VERSION),
    type: z.literal('reply').optional(),
    id: z.string().min(1).max(128),
    result: z.unknown().optional(),
    error: workerError.optional(),
    worker: z.string().max(200).optional(),
    redelivered: z.boolean().optional(),
  })
  .strip();

export type ParsedReply = { ok: true; reply: RpcReplyEnvelope } | { ok: false; id?: string; problem: string };

/** The correlation id of something that looked like a reply, when it has one. */
function idOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const id = (value as { id?: unknown }).id;
  return typeof id === 'string' && id.length > 0 && id.length <= 128 ? id : undefined;
}

/** Parses a reply from a backend (JSON text or an already parsed body). */
export function parseReply(input: string | Buffer | unknown): ParsedReply {
  let value: unknown = input;
  if (typeof input === 'string' || Buffer.isBuffer(input)) {
    try {
      value = JSON.parse(input.toString());
    } catch {
      return { ok: false, problem: 'reply is not JSON' };
    }
  }
  const parsed = replySchema.safeParse(value);
  if (!parsed.success) {
    return { ok: false, id: idOf(value), problem: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(reply)'}: ${issue.message}`).join('; ') };
  }
  const { error, result } = parsed.data;
  if (!error && !Object.hasOwn(value as object, 'result')) return { ok: false, id: parsed.data.id, problem: 'a reply has "result" or "error"' };
  return { ok: true, reply: { v: ENVELOPE_VERSION, type: 'reply', id: parsed.data.id, ...(error ? { error } : { result: result ?? null }), worker: parsed.data.worker, redelivered: parsed.data.redelivered } };
}

/**
 * JSON.stringify replacer: bytes (from MessagePack clients) become `{"$binary": "<base64>"}`,
 * the marker the rest of the protocol uses for bytes in JSON.
 */
function binaryReplacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  if (original instanceof Uint8Array) return { $binary: Buffer.from(original.buffer, original.byteOffset, original.byteLength).toString('base64') };
  return value;
}

/** The wire form of an envelope: UTF-8 JSON. */
export function encodeEnvelope(envelope: RpcRequestEnvelope | RpcEventEnvelope): Buffer {
  return Buffer.from(JSON.stringify(envelope, binaryReplacer));
}

/** Byte length of a payload as it will travel (JSON, bytes as base64 markers). */
export function payloadBytes(payload: unknown): number {
  return Buffer.byteLength(JSON.stringify(payload ?? null, binaryReplacer) ?? 'null');
}
