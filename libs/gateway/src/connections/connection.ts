import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { Principal } from '#libs/auth';
import type { ConnectionWriter } from '../outbound/connection-writer.js';

/** What the gateway knows about one client socket for as long as it is open. */
export class Connection {
  readonly subscriptions = new Set<string>();
  /** Channels on which it asked for `join`/`leave` events (subscribe with `presence: true`). */
  readonly presenceEvents = new Set<string>();
  readonly connectedAt = Date.now();
  /** Cleared by each ping and set by the pong that answers it. */
  alive = true;

  constructor(
    readonly id: string,
    readonly socket: WebSocket,
    /** Every frame this connection receives goes through it. */
    readonly writer: ConnectionWriter,
    readonly remoteAddress: string,
    readonly principal: Principal,
  ) {}

  static remoteAddressOf(request: IncomingMessage): string {
    return request.socket.remoteAddress ?? 'unknown';
  }
}
