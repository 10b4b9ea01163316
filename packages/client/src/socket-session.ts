import type { WireFormat } from './format.js';
import type { ServerFrame } from './protocol.js';

/**
 * The part of the WebSocket API the client uses: browsers' WebSocket, Node ≥ 22's global
 * one (undici) and the `ws` package all fit.
 */
export interface WebSocketLike {
  readonly readyState: number;
  /** Set to `'arraybuffer'` for binary formats (browsers and undici default to Blobs, `ws` to Buffers). */
  binaryType?: string;
  // Events typed loosely: each implementation types them its own way, and the platform's
  // and ws' classes must be assignable as they are.
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  // Bytes over an ArrayBuffer, as the platform's WebSocket types them (not a SharedArrayBuffer).
  send(data: string | Uint8Array<ArrayBuffer>): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export interface SessionEnd {
  code: number;
  reason: string;
  /** Whether the upgrade completed. */
  opened: boolean;
  /**
   * The HTTP status of a refused upgrade, when the WebSocket implementation reveals it:
   * `ws` does (in its error message); browsers and Node's global WebSocket do not.
   */
  status?: number;
}

const OPEN = 1;
const ignore = () => undefined;

/**
 * One WebSocket, from the upgrade to its end, reported exactly once whatever the
 * implementation does: Node's global WebSocket (undici 6) fires only `error`, never
 * `close`, when an upgrade is refused, and may recurse if closed from its own error
 * handler, so an error before `open` ends the session, and the socket is always
 * detached before it is closed.
 */
export class SocketSession {
  private readonly socket: WebSocketLike;
  private readonly format: WireFormat;
  private readonly onFrame: (frame: ServerFrame) => void;
  private readonly onEnd: (end: SessionEnd) => void;
  private opened = false;
  private ended = false;
  private errorMessage = '';

  /** @throws what the WebSocket constructor throws for a malformed URL */
  constructor(WebSocket: WebSocketConstructor, url: string, protocols: string[], format: WireFormat, onFrame: (frame: ServerFrame) => void, onEnd: (end: SessionEnd) => void) {
    this.format = format;
    this.onFrame = onFrame;
    this.onEnd = onEnd;
    const socket = (this.socket = new WebSocket(url, protocols));
    if (format.binaryType) socket.binaryType = format.binaryType;
    socket.onopen = () => {
      this.opened = true;
    };
    socket.onmessage = (event: { data: unknown }) => this.receive(event.data);
    socket.onerror = (event: { message?: unknown } | undefined) => {
      this.errorMessage = String(event?.message ?? '');
      if (!this.opened) this.end(1006, this.errorMessage || 'the upgrade failed');
    };
    socket.onclose = (event: { code: number; reason: string }) => this.end(event.code, event.reason);
  }

  /** Writes a frame; false when the socket is not open. */
  send(data: string | Uint8Array): boolean {
    if (this.ended || this.socket.readyState !== OPEN) return false;
    this.socket.send(data as string | Uint8Array<ArrayBuffer>);
    return true;
  }

  /** Ends the session now, with this code and reason, without waiting for the socket (a dead peer never answers a close). */
  end(code: number, reason: string): void {
    if (this.ended) return;
    this.release(code === 1000 ? 1000 : 4000, reason);
    const status = /server response: (\d{3})/.exec(this.errorMessage);
    this.onEnd({ code, reason, opened: this.opened, ...(status ? { status: Number(status[1]) } : {}) });
  }

  /** Closes the socket without reporting an end (the client is the one closing). */
  close(): void {
    if (!this.ended) this.release(1000, 'client closed');
  }

  private release(code: number, reason: string): void {
    this.ended = true;
    const socket = this.socket;
    socket.onopen = socket.onmessage = socket.onclose = null;
    // Not null: `ws` emits an error for a socket closed while connecting, and an error
    // event nobody listens to would be thrown as an uncaught exception.
    socket.onerror = ignore;
    try {
      socket.close(code, reason.slice(0, 120));
    } catch {
      // Closing a socket that never opened may throw; it is released either way.
    }
  }

  private receive(data: unknown): void {
    if (this.ended) return;
    let frame: ServerFrame;
    try {
      // Whatever the format cannot read (a frame of the other format, garbage) is ignored.
      frame = this.format.decode(data as string | ArrayBuffer | Uint8Array) as ServerFrame;
    } catch {
      return;
    }
    if (frame && typeof frame.event === 'string') this.onFrame(frame);
  }
}
