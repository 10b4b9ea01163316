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
  const deadlines = new WeakMap<Socket, NodeJS.Timeout>();
  server.on('connection', (socket: Socket) => {
    const timer = setTimeout(() => socket.destroy(), ms);
    timer.unref();
    deadlines.set(socket, timer);
    socket.once('close', () => clearTimeout(timer));
  });
  const headersDone = (request: IncomingMessage) => clearTimeout(deadlines.get(request.socket as Socket));
  server.on('request', headersDone);
  // 'upgrade' listeners are how Node decides whether to accept upgrades at all; this one
  // only observes, the WebSocket adapter's listener does the work.
  server.prependListener('upgrade', headersDone);
}
