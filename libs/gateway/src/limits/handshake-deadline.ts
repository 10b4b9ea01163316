import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';

/**
 * A connection must finish sending its first request's headers within `ms`, however
 * slowly it drips them (slowloris). Node's own headersTimeout is checked only every
 * 30 s; this bounds it to the deadline. Later requests on a kept-alive connection are
 * covered by Node's headersTimeout, set to the same value.
 */
export function enforceHandshakeDeadline(server: Server, ms: number): void {
  server.headersTimeout = ms;
  server.requestTimeout = Math.max(ms, 30_000);
  // Cleared and forgotten as soon as the headers are in: nothing of it stays with a
  // long-lived WebSocket connection. A socket that closes first just lets its timer run
  // out (destroying a closed socket is a no-op).
  const deadlines = new WeakMap<Socket, NodeJS.Timeout>();
  server.on('connection', (socket: Socket) => {
    const timer = setTimeout(() => socket.destroy(), ms);
    timer.unref();
    deadlines.set(socket, timer);
  });
  const headersDone = (request: IncomingMessage) => {
    const socket = request.socket as Socket;
    clearTimeout(deadlines.get(socket));
    deadlines.delete(socket);
  };
  server.on('request', headersDone);
  // 'upgrade' listeners are how Node decides whether to accept upgrades at all; this one
  // only observes, the WebSocket adapter's listener does the work.
  server.prependListener('upgrade', headersDone);
}
