import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';

/**
 * MAX_CONNECTIONS, enforced before the handshake. Upgrades still being authenticated
 * hold a slot too: otherwise a burst of upgrades in flight together would all pass the
 * check and overshoot the cap. A slot becomes the connection once `ws` has taken it
 * (its client set counts it from then on), or is freed when the raw socket closes
 * without ever becoming one.
 */
export class ConnectionCap {
  private pending = 0;
  private readonly releases = new WeakMap<IncomingMessage, () => void>();

  /** @param max 0: no cap. */
  constructor(
    private readonly server: WebSocketServer,
    readonly max: number,
  ) {
    server.on('connection', (_socket: unknown, request: IncomingMessage) => this.releases.get(request)?.());
  }

  /** Reserves a slot for this upgrade; false when the node is full. */
  tryReserve(request: IncomingMessage, socket: Duplex): boolean {
    if (this.max === 0) return true;
    if (this.server.clients.size + this.pending >= this.max) return false;
    this.pending++;
    let held = true;
    const release = () => {
      if (!held) return;
      held = false;
      this.pending--;
      this.releases.delete(request);
      // Once the slot has become a connection, nothing of the upgrade may stay on its socket.
      socket.off('close', release);
    };
    this.releases.set(request, release);
    socket.once('close', release);
    return true;
  }
}
