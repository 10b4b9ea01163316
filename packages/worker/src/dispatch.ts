import { ENVELOPE_VERSION, type RpcEvent, type RpcReply, type RpcRequest } from './contract.ts';
import { RpcError, WorkerErrorCode } from './rpc-error.ts';

/** What a handler sees besides the payload. */
export interface RequestContext {
  request: RpcRequest;
  /** Whether the queue says this request was delivered before (another worker may have handled it: keep handlers idempotent). */
  redelivered: boolean;
  /** Aborted at the request's deadline (the client has been told RPC_TIMEOUT by then). */
  signal: AbortSignal;
}

export type Handler = (payload: any, context: RequestContext) => unknown | Promise<unknown>;
export type Handlers = Record<string, Handler>;
export type EventHandler = (event: RpcEvent) => void | Promise<void>;

export interface WorkerStats {
  received: number;
  replied: number;
  /** Requests dropped unanswered because their deadline had passed before they were handled. */
  expired: number;
  redelivered: number;
  invalid: number;
  failed: number;
}

export interface DispatchOptions {
  handlers: Handlers;
  workerId: string;
  /** Called with every request before its handler runs, and with every reply (for logs and tests). */
  onRequest?: (request: RpcRequest, redelivered: boolean) => void;
  onReply?: (reply: RpcReply) => void;
  logger?: Pick<Console, 'warn' | 'error'>;
}

/**
 * Turns one request into its reply: the handler for its method, errors mapped to the
 * contract, requests past their deadline dropped (`undefined`: no reply).
 */
export class Dispatcher {
  readonly stats: WorkerStats = { received: 0, replied: 0, expired: 0, redelivered: 0, invalid: 0, failed: 0 };
  private readonly options: DispatchOptions;

  constructor(options: DispatchOptions) {
    this.options = options;
  }

  async handle(request: RpcRequest, redelivered: boolean): Promise<RpcReply | undefined> {
    this.stats.received++;
    if (redelivered) this.stats.redelivered++;
    this.options.onRequest?.(request, redelivered);
    const left = request.deadline - Date.now();
    if (left <= 0) {
      this.stats.expired++;
      return undefined;
    }
    const base = { v: ENVELOPE_VERSION, type: 'reply', id: request.id, worker: this.options.workerId, ...(redelivered ? { redelivered: true } : {}) } as const;
    const handler = Object.hasOwn(this.options.handlers, request.method) ? this.options.handlers[request.method] : undefined;
    let reply: RpcReply;
    if (!handler) {
      reply = { ...base, error: { code: WorkerErrorCode.METHOD_NOT_FOUND, message: `no method ${request.method}` } };
    } else {
      const signal = AbortSignal.timeout(left);
      try {
        const result = await handler(request.payload, { request, redelivered, signal });
        reply = { ...base, result: result === undefined ? null : result };
      } catch (error) {
        if (error instanceof RpcError) {
          reply = { ...base, error: { code: error.code, message: error.message, ...(error.data === undefined ? {} : { data: error.data }) } };
        } else {
          this.stats.failed++;
          this.options.logger?.error(`handler for ${request.method} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
          reply = { ...base, error: { code: WorkerErrorCode.INTERNAL, message: 'the worker failed to handle the request' } };
        }
      }
    }
    this.stats.replied++;
    this.options.onReply?.(reply);
    return reply;
  }
}

export const encodeReply = (reply: RpcReply): Buffer => Buffer.from(JSON.stringify(reply));
