import type { WebSocket, WebSocketServer } from 'ws';

/**
 * Pings every client each interval and terminates the ones that did not answer the
 * previous ping: a peer that vanished without a FIN would otherwise hold its socket
 * and subscriptions forever.
 */
export class Keepalive {
  private readonly awaitingPong = new WeakSet<WebSocket>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly server: WebSocketServer,
    intervalMs: number,
  ) {
    server.on('connection', (socket: WebSocket) => socket.on('pong', () => this.awaitingPong.delete(socket)));
    this.timer = setInterval(() => this.sweep(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sweep(): void {
    for (const socket of this.server.clients) {
      if (this.awaitingPong.has(socket)) {
        socket.terminate();
        continue;
      }
      this.awaitingPong.add(socket);
      socket.ping();
    }
  }
}
