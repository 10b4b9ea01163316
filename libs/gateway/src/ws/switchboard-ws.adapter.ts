import { type INestApplicationContext, Logger } from '@nestjs/common';
import { AbstractWsAdapter, type MessageMappingProperties } from '@nestjs/websockets';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { EMPTY, type Observable } from 'rxjs';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { attachPrincipal, chooseSubprotocol, UpgradeAuthenticator, UpgradeRejection } from '#libs/auth';
import { CONFIG, type SwitchboardConfig } from '#libs/config';
import { NodeLifecycle } from '#libs/health';
import { MetricsService } from '#libs/metrics';
import { ConnectionRegistry } from '../connections/connection-registry.js';
import { replySlots } from '../outbound/reply-slots.js';
import type { ConnectionWriter } from '../outbound/connection-writer.js';
import { CloseCode, ErrorCode } from '../protocol/error-codes.js';
import type { Reply } from '../protocol/frames.js';
import { errorFrame } from '../protocol/server-frames.js';
import { SUBPROTOCOLS } from '../protocol/wire-format.js';
import { ClientGuard } from '../limits/client-guard.js';
import { clientAddress } from '../limits/client-address.js';
import { IpConnectionLimiter } from '../limits/ip-connection-limiter.js';
import { ConnectionCap } from './connection-cap.js';
import { Keepalive } from './keepalive.js';
import { rejectUpgrade } from './reject-upgrade.js';

type Handler = MessageMappingProperties;
type Upgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** How long `close()` waits for clients to answer their close frame before cutting them off. */
const CLOSE_GRACE_MS = 2000;

/**
 * The `ws` adapter Switchboard needs instead of `@nestjs/platform-ws`'s: it answers
 * malformed and unknown frames with error frames instead of dropping them, adds the
 * request `id` to replies, refuses upgrades with real HTTP statuses, and closes
 * clients with 1012 on shutdown instead of terminating them.
 */
export class SwitchboardWsAdapter extends AbstractWsAdapter {
  private readonly logger = new Logger('WsAdapter');
  private readonly config: SwitchboardConfig;
  private readonly lifecycle: NodeLifecycle;
  private readonly metrics: MetricsService;
  private readonly registry: ConnectionRegistry;
  private readonly upgrades = new Map<WebSocketServer, Upgrade>();
  private readonly keepalives = new Map<WebSocketServer, Keepalive>();
  private readonly caps = new Map<WebSocketServer, ConnectionCap>();
  private readonly guards = new WeakMap<WebSocket, ClientGuard>();
  private readonly authenticator: UpgradeAuthenticator;
  private readonly perIp: IpConnectionLimiter;
  private readonly trustedProxies: ReadonlySet<string>;

  constructor(app: INestApplicationContext & { getHttpServer(): HttpServer }) {
    super(app);
    this.config = app.get(CONFIG);
    this.lifecycle = app.get(NodeLifecycle);
    this.metrics = app.get(MetricsService);
    this.registry = app.get(ConnectionRegistry);
    this.authenticator = app.get(UpgradeAuthenticator);
    this.perIp = new IpConnectionLimiter(this.config.limits.maxConnectionsPerIp);
    this.trustedProxies = new Set(this.config.limits.trustedProxies);
  }

  override create(port: number): WebSocketServer {
    if (port !== 0) throw new Error('Switchboard serves WebSockets on the HTTP port only (@WebSocketGateway() without a port)');
    const server = new WebSocketServer({
      noServer: true,
      maxPayload: this.config.gateway.maxPayloadBytes,
      // Compression costs CPU per message per socket and opens the door to zip bombs.
      perMessageDeflate: false,
      // A message split into more fragments than this is an attack, not a client (close 1008).
      maxFragments: 1024,
      // The first wire format the client offers (its order is its preference), else the auth fallback.
      handleProtocols: (offered) => [...offered].find((protocol) => Object.hasOwn(SUBPROTOCOLS, protocol)) ?? chooseSubprotocol(offered),
    });
    // Registered before Nest's own listener: a socket without an 'error' listener
    // takes the whole process down on the first oversized or malformed frame.
    server.on('connection', (socket: WebSocket) => {
      socket.on('error', (error) => this.logger.debug?.(`client socket error: ${error.message}`));
      const guard = new ClientGuard(this.config.limits);
      this.guards.set(socket, guard);
      // Pings cost the server a pong each: they spend the same budget as messages.
      socket.on('ping', () => {
        if (guard.admit() === 'close') this.closeForPolicy(socket, this.registry.get(socket)?.writer, 'ping rate limit exceeded');
      });
    });
    this.keepalives.set(server, new Keepalive(server, this.config.gateway.pingIntervalMs));
    this.caps.set(server, new ConnectionCap(server, this.config.gateway.maxConnections));
    this.metrics.maxConnections.set(this.config.gateway.maxConnections);

    const upgrade: Upgrade = (request, socket, head) => this.handleUpgrade(server, request, socket, head);
    (this.httpServer as HttpServer).on('upgrade', upgrade);
    this.upgrades.set(server, upgrade);
    return server;
  }

  private handleUpgrade(server: WebSocketServer, request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (pathname !== this.config.gateway.path) {
      this.metrics.connectionsRejected.inc({ reason: 'path' });
      rejectUpgrade(socket, 404, `no WebSocket endpoint at ${pathname}; use ${this.config.gateway.path}`);
      return;
    }
    if (this.lifecycle.draining) {
      this.metrics.connectionsRejected.inc({ reason: 'draining' });
      rejectUpgrade(socket, 503, 'node is draining; connect to another node', { 'Retry-After': '1' });
      return;
    }
    // A fast 503 before any work: HAProxy (retry-on 503) and nginx (proxy_next_upstream
    // http_503) retry it on another node, so the client never sees it.
    if (!this.caps.get(server)!.tryReserve(request, socket)) {
      this.metrics.connectionsRejected.inc({ reason: 'capacity' });
      rejectUpgrade(socket, 503, `node is at MAX_CONNECTIONS (${this.config.gateway.maxConnections}); connect to another node`, { 'Retry-After': '1' });
      return;
    }
    this.admit(server, request, socket, head);
  }

  /** Per-IP cap, then origin and token, then the handshake; each refusal is an HTTP status. */
  private admit(server: WebSocketServer, request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const ip = clientAddress(request, this.trustedProxies);
    if (!this.perIp.tryAcquire(ip)) {
      this.metrics.connectionsRejected.inc({ reason: 'per-ip' });
      rejectUpgrade(socket, 429, `too many connections from ${ip} (MAX_CONNECTIONS_PER_IP)`, { 'Retry-After': '5' });
      return;
    }
    this.releaseOnClose(socket, ip);
    this.authenticator.authenticate(request).then(
      (principal) => {
        if (socket.destroyed) return;
        attachPrincipal(request, principal);
        server.handleUpgrade(request, socket, head, (ws) => server.emit('connection', ws, request));
      },
      (error: unknown) => {
        if (error instanceof UpgradeRejection) {
          this.metrics.connectionsRejected.inc({ reason: error.status === 403 ? 'origin' : 'unauthorized' });
          rejectUpgrade(socket, error.status, error.message, error.headers);
          return;
        }
        this.logger.error(`upgrade failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        this.metrics.connectionsRejected.inc({ reason: 'error' });
        rejectUpgrade(socket, 500, 'internal error');
      },
    );
  }

  /** `ws` emits 'close', not the 'disconnect' the base adapter listens for. */
  override bindClientDisconnect(socket: WebSocket, callback: () => void): void {
    socket.once('close', callback);
  }

  /**
   * The raw socket closes however the upgrade ends: refused, failed handshake, or a closed
   * connection. A function of its own so the listener, which lives as long as the
   * connection, holds only the IP and not the upgrade request and its head buffer.
   */
  private releaseOnClose(socket: Duplex, ip: string): void {
    socket.once('close', () => this.perIp.release(ip));
  }

  override bindMessageHandlers(
    socket: WebSocket,
    handlers: Handler[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    // A plain array, not a Map: four handlers, one lookup per inbound frame, and one less
    // object held for every idle connection.
    socket.on('message', (raw: RawData, isBinary: boolean) => {
      this.metrics.bytesReceived.inc(byteLength(raw));
      this.dispatch(socket, raw, isBinary, handlers, transform);
    });
  }

  /**
   * One inbound message: its place in the reply order is taken on arrival, so its answer
   * (reply, error frame or nothing) leaves after the answers to earlier messages.
   */
  private dispatch(
    socket: WebSocket,
    raw: RawData,
    isBinary: boolean,
    handlers: Handler[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    const writer = this.registry.get(socket)?.writer;
    if (!writer?.accepting) return;
    const slot = writer.reserve();
    const guard = this.guards.get(socket);
    const verdict = guard?.admit() ?? 'ok';
    if (verdict !== 'ok') {
      this.metrics.messagesReceived.inc({ event: ErrorCode.RATE_LIMITED });
      // Parsed only for its id: the refusal answers the request like any other error.
      const parsed = writer.format.parse(raw, isBinary);
      const id = parsed.ok ? parsed.frame.id : parsed.id;
      slot.settle(errorFrame(ErrorCode.RATE_LIMITED, `over ${this.config.limits.ratePerSec} messages/s (RATE_LIMIT_PER_SEC); frame dropped`, id));
      if (verdict === 'close') this.closeForPolicy(socket, writer, 'rate limit exceeded');
      return;
    }
    const parsed = writer.format.parse(raw, isBinary);
    if (!parsed.ok) {
      this.metrics.messagesReceived.inc({ event: parsed.code });
      slot.settle(errorFrame(parsed.code, parsed.message, parsed.id));
      if (guard?.invalidFrame()) this.closeForPolicy(socket, writer, `more than ${this.config.limits.invalidFramesPerMinute} invalid frames in a minute`);
      return;
    }
    const { frame } = parsed;
    this.metrics.messagesReceived.inc({ event: frame.event });
    const handler = handlers.find((candidate) => candidate.message === frame.event);
    if (!handler) {
      slot.settle(errorFrame(ErrorCode.UNKNOWN_EVENT, `unknown event "${frame.event}"`, frame.id));
      return;
    }
    // Nest's handler proxy routes every throw to the gateway's exception filter, which
    // settles this slot with an error frame (it finds the slot by the frame); the
    // Observable only ever carries replies, and completes empty after an error.
    replySlots.set(frame, slot);
    const result$ = transform(handler.callback(frame, frame.event)) ?? EMPTY;
    result$.subscribe({
      next: (value) => {
        const reply = value as Reply | undefined;
        slot.settle(reply ? { event: reply.event, data: reply.data, ...(frame.id === undefined ? {} : { id: frame.id }) } : undefined, reply?.afterSend);
      },
      error: (error: unknown) => {
        this.logger.error(`handler for ${frame.event} failed: ${String(error)}`);
        slot.settle(errorFrame(ErrorCode.INTERNAL_ERROR, 'internal error', frame.id));
      },
      complete: () => slot.settle(undefined),
    });
  }

  /** 1008 once the requests accepted before the violation are answered. */
  private closeForPolicy(socket: WebSocket, writer: ConnectionWriter | undefined, reason: string): void {
    if (socket.readyState !== WebSocket.OPEN) return;
    this.logger.warn(`closing a client with ${CloseCode.POLICY_VIOLATION}: ${reason}`);
    if (writer) writer.closeAfterReplies(CloseCode.POLICY_VIOLATION, reason);
    else socket.close(CloseCode.POLICY_VIOLATION, reason);
  }

  /** Closes remaining clients with 1012 (reconnect elsewhere) and waits briefly for their goodbyes. */
  override async close(server: WebSocketServer): Promise<void> {
    this.keepalives.get(server)?.stop();
    const upgrade = this.upgrades.get(server);
    if (upgrade) (this.httpServer as HttpServer).off('upgrade', upgrade);
    await closeClients([...server.clients], CloseCode.SERVICE_RESTART, 'service restart', CLOSE_GRACE_MS);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Sends each socket a close frame and resolves once all have closed, terminating stragglers after `graceMs`. */
export async function closeClients(sockets: WebSocket[], code: number, reason: string, graceMs: number): Promise<void> {
  const closed = sockets.map(
    (socket) =>
      new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
        if (socket.readyState === WebSocket.OPEN) socket.close(code, reason);
      }),
  );
  const timer = setTimeout(() => sockets.forEach((socket) => socket.terminate()), graceMs);
  await Promise.all(closed);
  clearTimeout(timer);
}

/** `ws` hands a message over as one Buffer, fragments, or an ArrayBuffer, depending on its binaryType. */
function byteLength(raw: RawData): number {
  if (Array.isArray(raw)) return raw.reduce((total, chunk) => total + chunk.length, 0);
  return raw.byteLength;
}
