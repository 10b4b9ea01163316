import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { Principal } from '#libs/auth';

/** What the gateway knows about one client socket for as long as it is open. */
export class Connection {
  readonly subscriptions = new Set<string>();
  readonly connectedAt = Date.now();
  /** Cleared by each ping and set by the pong that answers it. */
  alive = true;

  constructor(
    readonly id: string,
    readonly socket: WebSocket,
    /** The TCP socket under `socket`: broadcasts are written to it as pre-built frames. */
    readonly stream: Socket,
    readonly remoteAddress: string,
    readonly principal: Principal,
  ) {}

  static remoteAddressOf(request: IncomingMessage): string {
    return request.socket.remoteAddress ?? 'unknown';
  }
}
