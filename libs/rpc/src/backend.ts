import type { z } from 'zod';
import type { RpcEventEnvelope, RpcReplyEnvelope, RpcRequestEnvelope } from './envelope.js';

/** What every backend is given: who it is, and where replies go. */
export interface RpcBackendContext {
  /** This node's NODE_ID (requests carry it; per-node reply topics and queues are named after it). */
  nodeId: string;
  /** Every reply the backend receives, whatever its state: the service correlates, times out and drops duplicates. */
  onReply(reply: RpcReplyEnvelope | { invalid: true; id?: string; problem: string }): void;
  /** Whether connection events go to workers (RPC_EVENTS is set): only then is the events topic or queue declared. */
  eventsEnabled: boolean;
  /** RPC_MAX_REPLY_BYTES: what a backend reading a reply itself (HTTP) may stop reading past. */
  maxReplyBytes: number;
  /** Connection state changes, for logs and the `rpc_backend_ready` gauge. */
  onState(ready: boolean, detail: string): void;
}

/**
 * A connected backend: carries requests to workers and their replies back. It never
 * times requests out, never retries on its own past a request's deadline and never
 * decides what a client sees: {@link RpcService} does.
 */
export interface RpcBackendClient {
  readonly name: string;
  /**
   * Connects, and keeps reconnecting in the background for as long as it is not stopped.
   * Resolves once the first attempt settled (connected or not): a node starts without its
   * RPC backend and answers RPC_UNAVAILABLE until it comes.
   */
  start(): Promise<void>;
  /** Disconnects; requests sent afterwards are refused. */
  stop(): Promise<void>;
  /** Whether a request sent now could reach the queue. */
  readonly ready: boolean;
  /**
   * Hands one request to the queue (or the HTTP back end). Resolves once it is accepted
   * (acknowledged by the broker: it will reach a worker even if this node dies); rejects
   * with {@link RpcUnavailableError} when it cannot be. The reply arrives through
   * `context.onReply`, for queues at any time later (or never).
   */
  send(request: RpcRequestEnvelope): Promise<void>;
  /** Best effort: an event for workers (RPC_EVENTS). Rejects when it could not be handed over. */
  sendEvent(event: RpcEventEnvelope): Promise<void>;
}

/**
 * One RPC backend, built like a bus backend (libs/transport/src/backend.ts): its folder
 * holds this descriptor (env schema, options, a `create()` that dynamic-imports the
 * client library, so a node that does not choose it never loads kafkajs or amqplib), its
 * classes and its specs. The table in `backends.ts` lists them.
 */
export interface RpcBackend<Schema extends z.ZodObject = z.ZodObject, Options = unknown> {
  readonly name: string;
  /** The backend's environment variables; validated only when `RPC_BACKEND` names it. */
  readonly env: Schema;
  options(env: z.infer<Schema>): Options;
  /** Where it connects, for start-up logs (credentials redacted). */
  describe(options: Options): string;
  create(options: Options, context: RpcBackendContext): Promise<RpcBackendClient>;
}

export const defineRpcBackend = <Schema extends z.ZodObject, Options>(backend: RpcBackend<Schema, Options>): RpcBackend<Schema, Options> => backend;
