import { WebSocket } from 'ws';
import { CloseCode } from '../protocol/error-codes.js';

/** How long a socket closed for being slow gets to take its close frame before it is cut. */
const CLOSE_GRACE_MS = 1000;

/**
 * Bounds what the node buffers for clients that do not read. Past MAX_BUFFERED_BYTES the
 * connection is closed with 4008 (and terminated shortly after, since a client that does
 * not read will not read the close frame either); a socket whose buffer makes no
 * progress for WRITE_TIMEOUT_MS is terminated.
 */
export class SlowConsumerGuard {
  private readonly stalled = new Map<WebSocket, { bytes: number; since: number }>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly maxBufferedBytes: number,
    private readonly writeTimeoutMs: number,
    private readonly sockets: () => Iterable<WebSocket>,
    private readonly onSlow: (socket: WebSocket, reason: 'buffer' | 'write-timeout') => void,
  ) {
    this.timer = setInterval(() => this.sweep(), Math.min(1000, writeTimeoutMs / 2));
    this.timer.unref();
  }

  /** Called before each write on the hot path: a single comparison when all is well. */
  canWrite(socket: WebSocket): boolean {
    if (socket.bufferedAmount <= this.maxBufferedBytes) return true;
    this.cut(socket, 'buffer');
    return false;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private cut(socket: WebSocket, reason: 'buffer' | 'write-timeout'): void {
    if (socket.readyState !== WebSocket.OPEN) return;
    this.onSlow(socket, reason);
    if (reason === 'write-timeout') {
      socket.terminate();
      return;
    }
    socket.close(CloseCode.SLOW_CONSUMER, 'slow consumer: outbound buffer full');
    setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
  }

  private sweep(): void {
    const now = Date.now();
    const seen = new Set<WebSocket>();
    for (const socket of this.sockets()) {
      const bytes = socket.bufferedAmount;
      if (bytes === 0 || socket.readyState !== WebSocket.OPEN) continue;
      seen.add(socket);
      const previous = this.stalled.get(socket);
      if (!previous || bytes < previous.bytes) {
        this.stalled.set(socket, { bytes, since: now });
      } else if (now - previous.since >= this.writeTimeoutMs) {
        this.cut(socket, 'write-timeout');
      }
    }
    for (const socket of this.stalled.keys()) if (!seen.has(socket)) this.stalled.delete(socket);
  }
}
