import { fullJitter } from './backoff.js';
import { Emitter } from './emitter.js';
import { SwitchboardError } from './errors.js';
import { Keepalive } from './keepalive.js';
import { OfflineQueue } from './offline-queue.js';
import { DEFAULTS, type ResolvedOptions, STABLE_CONNECTION_MS, type SwitchboardOptions } from './options.js';
import { Outbox } from './outbox.js';
import type { Message, PublishAck, ServerFrame, SubscribedReply, Welcome } from './protocol.js';
import { kindOfClose, reconnectDelay } from './reconnect-policy.js';
import { type ReplyCallback, Requests } from './requests.js';
import { type SessionEnd, SocketSession, type WebSocketConstructor } from './socket-session.js';
import { Subscription, type SubscriptionOwner } from './subscription.js';
import { TokenSource } from './token.js';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'closed';

/** Why a connection ended, and when the client tries again. */
export interface Disconnect {
  /** The close code; 1006 also for a failed upgrade, a connect timeout or a keepalive timeout. */
  code: number;
  reason: string;
  /** The HTTP status of a refused upgrade, when the WebSocket implementation reveals it. */
  status?: number;
  /** Milliseconds until the next attempt. */
  reconnectInMs: number;
}

export type SwitchboardEvents = {
  state: [state: ConnectionState];
  /** Welcomed by a node: on the first connection and after every reconnect. */
  connected: [welcome: Welcome];
  disconnected: [info: Disconnect];
  /** Errors no request or subscription can take: an error frame without an `id` (RATE_LIMITED has none), or why the client stopped. */
  error: [error: SwitchboardError];
};

/** Errors of a subscribe worth retrying on the same connection. */
const TRANSIENT = new Set(['TIMEOUT', 'TRANSPORT_UNAVAILABLE', 'RATE_LIMITED', 'INTERNAL_ERROR']);

/**
 * A connection to a Switchboard cluster that survives deploys: it reconnects the way the
 * close code asks (docs/protocol.md), restores every subscription from the position of
 * its last message, and matches every reply to its request. See README.md.
 */
export class Switchboard extends Emitter<SwitchboardEvents> {
  readonly url: string;
  private readonly options: ResolvedOptions;
  private readonly WebSocket: WebSocketConstructor;
  private readonly subscriptions = new Map<string, Subscription<any>>();
  private readonly owner: SubscriptionOwner = { remove: (subscription) => this.remove(subscription) };
  private readonly requests: Requests;
  private readonly outbox: Outbox;
  private readonly offline: OfflineQueue;
  private readonly tokens: TokenSource;
  private readonly keepalive: Keepalive;
  private session: SocketSession | undefined;
  private currentState: ConnectionState = 'disconnected';
  private welcomed: Welcome | undefined;
  private connectedAt = 0;
  /** Failed attempts since the last stable connection: the backoff's exponent. */
  private attempt = 0;
  /** Upgrades refused (or failed) in a row. */
  private failedUpgrades = 0;
  /** Bumped whenever an attempt is superseded, so a late token or timer of an old one does nothing. */
  private generation = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(url: string, options: SwitchboardOptions = {}) {
    super();
    this.url = url;
    const resolved = { ...DEFAULTS } as ResolvedOptions;
    for (const [key, value] of Object.entries(options)) if (value !== undefined) (resolved as any)[key] = value;
    this.options = resolved;
    const WebSocket = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WebSocket) throw new TypeError('no global WebSocket (Node < 22?): pass one as the WebSocket option, e.g. from the ws package');
    this.WebSocket = WebSocket;
    this.requests = new Requests(resolved.format.encode);
    this.tokens = new TokenSource(options.token);
    this.outbox = new Outbox(resolved.sendRatePerSec, resolved.sendBurst);
    this.offline = new OfflineQueue(resolved.offlineQueueSize, resolved.offlineTimeoutMs);
    this.keepalive = new Keepalive(
      resolved.keepaliveIntervalMs,
      resolved.keepaliveTimeoutMs,
      () => this.outbox.push(this.requests.frame('echo', 'keepalive')),
      () => this.session?.end(1006, `keepalive: no frame from the server within ${resolved.keepaliveTimeoutMs} ms of a probe`),
    );
    if (resolved.autoConnect) queueMicrotask(() => this.currentState === 'disconnected' && this.connect());
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  /** The welcome of the current connection, while connected. */
  get welcome(): Welcome | undefined {
    return this.welcomed;
  }

  /** Connects now: after `close()`, without `autoConnect`, or to skip a pending backoff. */
  connect(): void {
    if (this.currentState === 'connecting' || this.currentState === 'connected') return;
    clearTimeout(this.reconnectTimer);
    void this.open();
  }

  /** Closes the connection and stops reconnecting. Subscriptions are kept for a later `connect()`. */
  close(): void {
    if (this.currentState !== 'closed') this.stop(new SwitchboardError('CLOSED', 'the client was closed'));
  }

  /**
   * Subscribes to a channel, now or as soon as connected, and keeps the subscription across
   * reconnects. `onMessage` is a shortcut for `.on('message', …)`.
   * @throws SwitchboardError ALREADY_SUBSCRIBED
   */
  subscribe<T = unknown>(channel: string, onMessage?: (message: Message<T>) => void): Subscription<T> {
    if (this.subscriptions.has(channel)) throw new SwitchboardError('ALREADY_SUBSCRIBED', `already subscribed to ${channel}: use subscription(channel)`);
    const subscription = new Subscription<T>(channel, this.owner);
    if (onMessage) subscription.on('message', onMessage);
    this.subscriptions.set(channel, subscription);
    if (this.currentState === 'connected') this.sendSubscribe(subscription);
    return subscription;
  }

  subscription<T = unknown>(channel: string): Subscription<T> | undefined {
    return this.subscriptions.get(channel);
  }

  /**
   * Publishes to a channel. Resolves with the server's ack (with `offset` and `epoch` on a
   * channel with history); rejects with a SwitchboardError whose `code` is the server's
   * (FORBIDDEN, INVALID_CHANNEL, TRANSPORT_UNAVAILABLE…) or the client's (TIMEOUT,
   * DISCONNECTED, OFFLINE, QUEUE_FULL, CLOSED). While disconnected it waits for the next
   * connection, or rejects at once with `offline: 'reject'`.
   */
  publish<T = unknown>(channel: string, payload: T): Promise<PublishAck> {
    return this.whenConnected(() => this.request('publish', { channel, payload }));
  }

  /**
   * Asks the deployment's workers (docs/protocol.md "RPC"): resolves with the worker's
   * result (the `rpc_result` data); rejects with a SwitchboardError whose `code` is the
   * server's (RPC_ERROR with the worker's `{code, message, data?}` in `error.error`,
   * RPC_TIMEOUT, RPC_UNAVAILABLE, FORBIDDEN…) or the client's, as for `publish`. While
   * disconnected it waits or rejects as `publish` does; a request that may have been sent
   * is never sent again (DISCONNECTED or TIMEOUT with `sent: true`).
   * `timeoutMs`: how long to wait for the reply; default `requestTimeoutMs`.
   */
  rpc<R = unknown>(method: string, payload?: unknown, options?: { timeoutMs?: number }): Promise<R> {
    return this.whenConnected(() => this.request('rpc', payload === undefined ? { method } : { method, payload }, options?.timeoutMs));
  }

  /** Sends now when connected; otherwise the offline policy: wait for the connection, or reject. */
  private whenConnected<R>(send: () => Promise<R>): Promise<R> {
    if (this.currentState === 'connected') return send();
    if (this.currentState === 'closed') return Promise.reject(new SwitchboardError('CLOSED', 'the client is closed; not sent', { sent: false }));
    if (this.options.offline === 'reject') return Promise.reject(new SwitchboardError('OFFLINE', 'not connected; not sent', { sent: false }));
    return this.offline.enqueue(send);
  }

  /** Subscription.unsubscribe() */
  private async remove(subscription: Subscription<any>): Promise<void> {
    if (this.subscriptions.get(subscription.channel) !== subscription) return;
    this.subscriptions.delete(subscription.channel);
    subscription.end();
    if (this.currentState === 'connected') await this.request('unsubscribe', { channel: subscription.channel }).catch(() => undefined);
  }

  private request(event: string, data: unknown, timeoutMs?: number): Promise<any> {
    return new Promise((resolve, reject) => this.send(event, data, (error, reply) => (error ? reject(error) : resolve(reply)), timeoutMs));
  }

  private send(event: string, data: unknown, done: ReplyCallback, timeoutMs = this.options.requestTimeoutMs): void {
    this.outbox.push(this.requests.create(event, data, timeoutMs, done));
  }

  private sendSubscribe(subscription: Subscription<any>, retry = 0): void {
    const data = subscription.request();
    const session = this.session;
    this.send('subscribe', data, (error, reply: SubscribedReply) => {
      if (this.subscriptions.get(subscription.channel) !== subscription) return;
      if (!error) return subscription.subscribed(reply, data.since !== undefined);
      // Lost with the connection: the next one resubscribes.
      if (error.code === 'DISCONNECTED' || error.code === 'CLOSED') return;
      if (TRANSIENT.has(error.code)) {
        // Not made (or its reply was lost): try again on this connection.
        setTimeout(() => {
          if (this.session === session && this.subscriptions.get(subscription.channel) === subscription) this.sendSubscribe(subscription, retry + 1);
        }, fullJitter(retry, { baseMs: this.options.backoffBaseMs, maxMs: this.options.backoffMaxMs }));
        return;
      }
      this.subscriptions.delete(subscription.channel);
      subscription.end(error);
    });
  }

  private async open(): Promise<void> {
    const generation = ++this.generation;
    this.setState('connecting');
    let token: string | undefined;
    try {
      token = await this.tokens.get();
    } catch (error) {
      if (generation === this.generation) this.stop(new SwitchboardError('UNAUTHORIZED', 'the token callback failed; the client stopped', { cause: error }), true);
      return;
    }
    if (generation !== this.generation) return;
    const format = this.options.format;
    // The format first: the server speaks the first subprotocol offered that it knows.
    const protocols = token === undefined ? [format.subprotocol] : [format.subprotocol, `bearer.${token}`];
    let session: SocketSession;
    try {
      session = new SocketSession(this.WebSocket, this.url, protocols, format, (frame) => this.receive(session, frame), (end) => this.ended(session, end));
    } catch (error) {
      this.stop(new SwitchboardError('INVALID_URL', `cannot open a WebSocket to ${this.url}`, { cause: error }), true);
      return;
    }
    this.session = session;
    this.connectTimer = setTimeout(() => session.end(1006, `not welcomed within ${this.options.connectTimeoutMs} ms (connectTimeoutMs)`), this.options.connectTimeoutMs);
  }

  private receive(session: SocketSession, frame: ServerFrame): void {
    if (session !== this.session) return;
    this.keepalive.alive();
    // Anything with an id answers a request; one whose request gave up is dropped.
    if (frame.id !== undefined) return this.requests.settle(frame);
    if (frame.event === 'message') this.subscriptions.get(frame.data?.channel)?.deliver(frame.data);
    else if (frame.event === 'welcome') this.onWelcome(session, frame.data as Welcome);
    else if (frame.event === 'error') this.emit('error', new SwitchboardError(String(frame.data?.code), String(frame.data?.message)));
  }

  private onWelcome(session: SocketSession, welcome: Welcome): void {
    if (this.welcomed) return;
    clearTimeout(this.connectTimer);
    this.welcomed = welcome;
    this.connectedAt = Date.now();
    this.failedUpgrades = 0;
    this.outbox.attach((data) => session.send(data));
    // Restore the subscriptions before anyone hears of the connection, so a listener that
    // subscribes from its handler is not subscribed twice.
    this.currentState = 'connected';
    for (const subscription of this.subscriptions.values()) this.sendSubscribe(subscription);
    this.offline.drain();
    this.keepalive.start();
    this.emit('state', 'connected');
    this.emit('connected', welcome);
  }

  private ended(session: SocketSession, end: SessionEnd): void {
    if (session !== this.session) return;
    const wasWelcomed = this.welcomed !== undefined;
    this.detach();
    if (wasWelcomed && Date.now() - this.connectedAt >= STABLE_CONNECTION_MS) this.attempt = 0;

    let kind = kindOfClose(end.code);
    if (!end.opened) {
      // A refused upgrade. Browsers and Node's global WebSocket hide its HTTP status, so
      // after a few failures in a row an expired or revoked token is the likely cause.
      kind = 'backoff';
      this.failedUpgrades++;
      const refused = end.status === 401 || end.status === 403;
      if (refused && !this.tokens.refreshable) {
        this.stop(new SwitchboardError('UNAUTHORIZED', `the upgrade was refused with HTTP ${end.status}; the client stopped`), true);
        return;
      }
      if (refused || this.failedUpgrades % this.options.refreshTokenAfterFailures === 0) this.tokens.invalidate();
    }
    const { delayMs, counts } = reconnectDelay(kind, this.attempt, {
      baseMs: this.options.backoffBaseMs,
      maxMs: this.options.backoffMaxMs,
      drainSpreadMs: this.options.drainSpreadMs,
      penaltyMs: this.options.penaltyMs,
    });
    if (counts) this.attempt++;
    const generation = this.generation;
    this.reconnectTimer = setTimeout(() => generation === this.generation && this.open(), delayMs);
    this.setState('disconnected');
    this.emit('disconnected', { code: end.code, reason: end.reason, reconnectInMs: delayMs, ...(end.status === undefined ? {} : { status: end.status }) });
  }

  /** Leaves the current connection: what was in flight fails, subscriptions wait for the next one. */
  private detach(closing?: SwitchboardError): void {
    this.session = undefined;
    this.welcomed = undefined;
    clearTimeout(this.connectTimer);
    this.keepalive.stop();
    this.outbox.detach();
    this.requests.failAll(
      (frame) =>
        closing ??
        new SwitchboardError(
          'DISCONNECTED',
          frame.sent ? 'the connection was lost before the reply: the request may or may not have been carried out' : 'the connection was lost before the request was sent',
          { sent: frame.sent },
        ),
    );
    for (const subscription of this.subscriptions.values()) subscription.suspend();
  }

  private stop(error: SwitchboardError, report = false): void {
    this.generation++;
    clearTimeout(this.reconnectTimer);
    const session = this.session;
    this.detach(error);
    session?.close();
    this.offline.rejectAll(error);
    this.setState('closed');
    if (report) this.emit('error', error);
  }

  private setState(state: ConnectionState): void {
    if (this.currentState === state) return;
    this.currentState = state;
    this.emit('state', state);
  }
}
