import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { MetricsService } from '#libs/metrics';
import type { RpcBackend, RpcBackendClient, RpcBackendContext } from './backend.js';
import { rpcBackends } from './backends.js';
import { ENVELOPE_VERSION, type RpcEventName, type RpcReplyEnvelope, type RpcRequestEnvelope, type RpcWorkerError, payloadBytes } from './envelope.js';
import { RpcUnavailableError } from './errors.js';
import { MethodClasses } from './method-class.js';
import type { RpcConfig } from './rpc-config.js';
import { RpcMetrics } from './rpc-metrics.js';

/** Injection token of the {@link RpcConfig} (provided by libs/config's ConfigModule). */
export const RPC_CONFIG = Symbol('SWITCHBOARD_RPC_CONFIG');

/** What a client's `rpc` request came to; the gateway turns it into a frame. */
export type RpcOutcome =
  | { kind: 'result'; result: unknown }
  /** The worker answered with an error of its own. */
  | { kind: 'error'; error: RpcWorkerError }
  | { kind: 'timeout'; message: string }
  | { kind: 'unavailable'; message: string }
  | { kind: 'too_many_in_flight'; message: string }
  | { kind: 'payload_too_large'; message: string }
  /** The connection closed first: nobody to answer. */
  | { kind: 'cancelled' };

export interface RpcCall {
  method: string;
  payload: unknown;
  connectionId: string;
  userId?: string;
}

interface Pending {
  connectionId: string;
  methodClass: string;
  started: number;
  timer: NodeJS.Timeout;
  resolve(outcome: RpcOutcome): void;
}

type Settled = 'after_timeout' | 'duplicate' | 'cancelled';

/** How many settled correlation ids are remembered, to tell a late or duplicate reply from a stranger's. */
const RECENT_SETTLED = 10_000;
/** Outcome labels of rpc_requests_total (bounded). */
const OUTCOME_LABEL: Record<RpcOutcome['kind'], string> = {
  result: 'ok',
  error: 'error',
  timeout: 'timeout',
  unavailable: 'unavailable',
  too_many_in_flight: 'too_many_in_flight',
  payload_too_large: 'payload_too_large',
  cancelled: 'cancelled',
};
/** The worker-level code of a reply the gateway refuses (RPC_ERROR's `error.code`), not a protocol code. */
export const REPLY_TOO_LARGE = 'REPLY_TOO_LARGE';
export const INVALID_REPLY = 'INVALID_REPLY';

/**
 * Client requests to workers and their replies: one entry per request in a bounded
 * pending map, settled exactly once by the first of: the worker's reply, the timeout
 * (RPC_TIMEOUT_MS), the connection closing, or the queue refusing the request. Every
 * later reply for it (a redelivered request answered twice, a reply after the timeout)
 * is dropped and counted. Delivery to workers is the backend's (at least once on the
 * queues); exactly one answer per request is this class's.
 */
@Injectable()
export class RpcService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Rpc');
  private readonly metrics: RpcMetrics;
  private readonly pending = new Map<string, Pending>();
  private readonly byConnection = new Map<string, Set<string>>();
  private readonly recent = new Map<string, Settled>();
  private readonly classes = new MethodClasses();
  private readonly events: ReadonlySet<RpcEventName>;
  /** Correlation ids: this process's random prefix and a counter (unique across nodes and restarts). */
  private readonly idPrefix = randomBytes(6).toString('hex');
  private sequence = 0;
  /** Plain monotonic counters for the cluster view (requests answered in any way, and of them timeouts). */
  readonly totals = { requests: 0, timeouts: 0 };
  private client: RpcBackendClient | null = null;
  private readonly backendName: string;

  constructor(
    @Inject(RPC_CONFIG) private readonly config: RpcConfig,
    metrics: MetricsService,
  ) {
    this.metrics = new RpcMetrics(metrics);
    this.backendName = config.backend.kind;
    this.events = new Set(config.events);
    metrics.beforeScrape(() => this.metrics.pending.set({ backend: this.backendName }, this.pending.size));
  }

  /** Whether RPC is configured at all (RPC_BACKEND is not `none`). */
  get enabled(): boolean {
    return this.config.backend.kind !== 'none';
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  async onModuleInit(): Promise<void> {
    const selection = this.config.backend;
    this.metrics.ready.set({ backend: this.backendName }, 0);
    if (selection.kind === 'none') return;
    const descriptor = rpcBackends[selection.kind] as RpcBackend;
    this.logger.log(`rpc backend ${descriptor.name}: ${descriptor.describe(selection.options)}`);
    const context: RpcBackendContext = {
      nodeId: this.config.nodeId,
      eventsEnabled: this.events.size > 0,
      maxReplyBytes: this.config.maxReplyBytes,
      onReply: (reply) => ('invalid' in reply ? this.invalidReply(reply.id, reply.problem) : this.reply(reply)),
      onState: (ready, detail) => {
        this.metrics.ready.set({ backend: this.backendName }, ready ? 1 : 0);
        if (ready) this.logger.log(`rpc backend ready: ${detail}`);
        else this.logger.warn(`rpc backend not ready: ${detail}`);
      },
    };
    this.client = await descriptor.create(selection.options, context);
    // In the background: a node serves its clients without its workers, answering RPC_UNAVAILABLE until they are reachable.
    void this.client.start().catch((error: unknown) => this.logger.error(`rpc backend failed to start: ${String(error)}`));
  }

  async onApplicationShutdown(): Promise<void> {
    for (const id of [...this.pending.keys()]) this.settle(id, { kind: 'unavailable', message: 'the node is shutting down' });
    await this.client?.stop();
  }

  /** One client request; resolves with its one outcome, never rejects. */
  call(request: RpcCall): Promise<RpcOutcome> {
    const methodClass = this.classes.of(request.method);
    const refuse = (outcome: RpcOutcome): Promise<RpcOutcome> => {
      this.totals.requests++;
      this.metrics.requests.inc({ backend: this.backendName, method_class: methodClass, outcome: OUTCOME_LABEL[outcome.kind] });
      return Promise.resolve(outcome);
    };
    const client = this.client;
    if (!client) return refuse({ kind: 'unavailable', message: 'no RPC backend is configured on this node (RPC_BACKEND)' });
    const size = payloadBytes(request.payload);
    if (size > this.config.maxPayloadBytes) {
      return refuse({ kind: 'payload_too_large', message: `rpc payload is ${size} bytes; at most ${this.config.maxPayloadBytes} (RPC_MAX_PAYLOAD_BYTES)` });
    }
    const mine = this.byConnection.get(request.connectionId);
    if (mine && mine.size >= this.config.maxInFlight) {
      return refuse({ kind: 'too_many_in_flight', message: `at most ${this.config.maxInFlight} rpc requests in flight per connection (RPC_MAX_IN_FLIGHT)` });
    }
    if (this.pending.size >= this.config.maxPending) return refuse({ kind: 'unavailable', message: `this node has ${this.pending.size} rpc requests waiting (RPC_MAX_PENDING)` });
    if (!client.ready) return refuse({ kind: 'unavailable', message: `the ${this.backendName} RPC backend is not reachable` });

    const id = `${this.idPrefix}.${(++this.sequence).toString(36)}`;
    const started = performance.now();
    const envelope: RpcRequestEnvelope = {
      v: ENVELOPE_VERSION,
      type: 'request',
      id,
      method: request.method,
      payload: request.payload ?? null,
      connectionId: request.connectionId,
      ...(request.userId === undefined ? {} : { userId: request.userId }),
      node: this.config.nodeId,
      deadline: Date.now() + this.config.timeoutMs,
    };
    return new Promise<RpcOutcome>((resolve) => {
      const timer = setTimeout(() => this.settle(id, { kind: 'timeout', message: `no reply within ${this.config.timeoutMs} ms (RPC_TIMEOUT_MS)` }), this.config.timeoutMs);
      this.pending.set(id, { connectionId: request.connectionId, methodClass, started, timer, resolve });
      if (mine) mine.add(id);
      else this.byConnection.set(request.connectionId, new Set([id]));
      client.send(envelope).catch((error: unknown) => {
        const message = error instanceof RpcUnavailableError ? error.message : `the ${this.backendName} RPC backend refused the request`;
        if (!(error instanceof RpcUnavailableError)) this.logger.warn(`rpc send failed: ${String(error)}`);
        this.settle(id, { kind: 'unavailable', message });
      });
    });
  }

  /** The connection closed: its waiting requests are dropped now (their replies will count as late). */
  connectionClosed(connectionId: string, userId?: string): void {
    const ids = this.byConnection.get(connectionId);
    if (ids) for (const id of [...ids]) this.settle(id, { kind: 'cancelled' });
    this.connectionEvent('disconnect', connectionId, userId);
  }

  /** A connection event for workers, when RPC_EVENTS asks for it. Fire and forget. */
  connectionEvent(event: RpcEventName, connectionId: string, userId?: string, channel?: string): void {
    if (!this.events.has(event) || !this.client) return;
    const labels = { backend: this.backendName, event };
    this.client
      .sendEvent({
        v: ENVELOPE_VERSION,
        type: 'event',
        event,
        connectionId,
        ...(userId === undefined ? {} : { userId }),
        node: this.config.nodeId,
        ts: Date.now(),
        ...(channel === undefined ? {} : { channel }),
      })
      .then(
        () => this.metrics.events.inc({ ...labels, outcome: 'sent' }),
        () => this.metrics.events.inc({ ...labels, outcome: 'failed' }),
      );
  }

  private reply(reply: RpcReplyEnvelope): void {
    if (reply.redelivered) this.metrics.redeliveries.inc({ backend: this.backendName });
    if (!this.pending.has(reply.id)) {
      const settled = this.recent.get(reply.id);
      this.metrics.lateReplies.inc({ backend: this.backendName, reason: settled ?? 'unknown' });
      // A second reply to an answered request: what a redelivery after a worker died looks like.
      if (settled === 'after_timeout') this.recent.set(reply.id, 'duplicate');
      return;
    }
    if (reply.error) return this.settle(reply.id, { kind: 'error', error: reply.error });
    const size = payloadBytes(reply.result);
    if (size > this.config.maxReplyBytes) {
      return this.settle(reply.id, { kind: 'error', error: { code: REPLY_TOO_LARGE, message: `the worker's reply is ${size} bytes; at most ${this.config.maxReplyBytes} (RPC_MAX_REPLY_BYTES)` } });
    }
    this.settle(reply.id, { kind: 'result', result: reply.result });
  }

  private invalidReply(id: string | undefined, problem: string): void {
    this.metrics.invalidReplies.inc({ backend: this.backendName });
    this.logger.warn(`invalid rpc reply${id ? ` to ${id}` : ''}: ${problem}`);
    if (id && this.pending.has(id)) this.settle(id, { kind: 'error', error: { code: INVALID_REPLY, message: `the worker's reply is not a valid reply envelope: ${problem.slice(0, 200)}` } });
  }

  /** The one place a request is answered; the first call wins, later ones find nothing. */
  private settle(id: string, outcome: RpcOutcome): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    const mine = this.byConnection.get(entry.connectionId);
    mine?.delete(id);
    if (mine?.size === 0) this.byConnection.delete(entry.connectionId);
    this.remember(id, outcome.kind === 'timeout' ? 'after_timeout' : outcome.kind === 'cancelled' ? 'cancelled' : 'duplicate');
    const labels = { backend: this.backendName, method_class: entry.methodClass };
    this.totals.requests++;
    if (outcome.kind === 'timeout') this.totals.timeouts++;
    this.metrics.requests.inc({ ...labels, outcome: OUTCOME_LABEL[outcome.kind] });
    if (outcome.kind === 'result' || outcome.kind === 'error') this.metrics.duration.observe(labels, (performance.now() - entry.started) / 1000);
    entry.resolve(outcome);
  }

  private remember(id: string, settled: Settled): void {
    this.recent.set(id, settled);
    if (this.recent.size > RECENT_SETTLED) this.recent.delete(this.recent.keys().next().value!);
  }
}
