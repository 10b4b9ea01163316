import { type INestApplicationContext, Logger } from '@nestjs/common';
import { AbstractWsAdapter, type MessageMappingProperties } from '@nestjs/websockets';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { EMPTY, type Observable } from 'rxjs';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { CONFIG, type SwitchboardConfig } from '#libs/config';
import { NodeLifecycle } from '#libs/health';
import { MetricsService } from '#libs/metrics';
import { encodeError, encodeReply } from '../protocol/encode.js';
import { CloseCode, ErrorCode } from '../protocol/error-codes.js';
import type { Reply } from '../protocol/frames.js';
import { parseClientFrame } from '../protocol/parse-frame.js';
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
  private readonly upgrades = new Map<WebSocketServer, Upgrade>();
  private readonly keepalives = new Map<WebSocketServer, Keepalive>();

  constructor(app: INestApplicationContext & { getHttpServer(): HttpServer }) {
    super(app);
    this.config = app.get(CONFIG);
    this.lifecycle = app.get(NodeLifecycle);
    this.metrics = app.get(MetricsService);
  }

  override create(port: number): WebSocketServer {
    if (port !== 0) throw new Error('Switchboard serves WebSockets on the HTTP port only (@WebSocketGateway() without a port)');
    const server = new WebSocketServer({
      noServer: true,
      maxPayload: this.config.gateway.maxPayloadBytes,
      perMessageDeflate: false,
    });
    // Registered before Nest's own listener: a socket without an 'error' listener
    // takes the whole process down on the first oversized or malformed frame.
    server.on('connection', (socket: WebSocket) => {
      socket.on('error', (error) => this.logger.debug?.(`client socket error: ${error.message}`));
    });
    this.keepalives.set(server, new Keepalive(server, this.config.gateway.pingIntervalMs));

    const upgrade: Upgrade = (request, socket, head) => this.handleUpgrade(server, request, socket, head);
    (this.httpServer as HttpServer).on('upgrade', upgrade);
    this.upgrades.set(server, upgrade);
    return server;
  }

  private handleUpgrade(server: WebSocketServer, request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (pathname !== this.config.gateway.path) {
      rejectUpgrade(socket, 404, `no WebSocket endpoint at ${pathname}; use ${this.config.gateway.path}`);
      return;
    }
    if (this.lifecycle.draining) {
      rejectUpgrade(socket, 503, 'node is draining; connect to another node', { 'Retry-After': '1' });
      return;
    }
    server.handleUpgrade(request, socket, head, (ws) => server.emit('connection', ws, request));
  }

  /** `ws` emits 'close', not the 'disconnect' the base adapter listens for. */
  override bindClientDisconnect(socket: WebSocket, callback: () => void): void {
    socket.once('close', callback);
  }

  override bindMessageHandlers(
    socket: WebSocket,
    handlers: Handler[],
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    const byEvent = new Map(handlers.map((handler) => [handler.message as string, handler]));
    socket.on('message', (raw: RawData, isBinary: boolean) => this.dispatch(socket, raw, isBinary, byEvent, transform));
  }

  private dispatch(
    socket: WebSocket,
    raw: RawData,
    isBinary: boolean,
    byEvent: Map<string, Handler>,
    transform: (data: unknown) => Observable<unknown>,
  ): void {
    if (isBinary) {
      this.metrics.messagesReceived.inc({ event: ErrorCode.BAD_REQUEST });
      this.send(socket, encodeError(ErrorCode.BAD_REQUEST, 'binary frames are not supported; send JSON text frames'), 'error');
      return;
    }
    const parsed = parseClientFrame(raw.toString());
    if (!parsed.ok) {
      this.metrics.messagesReceived.inc({ event: parsed.code });
      this.send(socket, encodeError(parsed.code, parsed.message, parsed.id), 'error');
      return;
    }
    const { frame } = parsed;
    this.metrics.messagesReceived.inc({ event: frame.event });
    const handler = byEvent.get(frame.event);
    if (!handler) {
      this.send(socket, encodeError(ErrorCode.UNKNOWN_EVENT, `unknown event "${frame.event}"`, frame.id), 'error');
      return;
    }
    // Nest's handler proxy routes every throw to the gateway's exception filter, which
    // answers with an error frame; the Observable only ever carries replies.
    const result$ = transform(handler.callback(frame, frame.event)) ?? EMPTY;
    result$.subscribe({
      next: (reply) => {
        if (reply) this.send(socket, encodeReply(reply as Reply, frame.id), (reply as Reply).event);
      },
      error: (error: unknown) => {
        this.logger.error(`handler for ${frame.event} failed: ${String(error)}`);
        this.send(socket, encodeError(ErrorCode.INTERNAL_ERROR, 'internal error', frame.id), 'error');
      },
    });
  }

  private send(socket: WebSocket, text: string, event: string): void {
    if (socket.readyState !== WebSocket.OPEN) return;
    socket.send(text);
    this.metrics.messagesSent.inc({ event });
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
