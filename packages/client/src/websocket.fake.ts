import { decode, encode } from '@msgpack/msgpack';
import type { WebSocketLike } from './socket-session.js';

/**
 * A scripted stand-in for the WebSocket API, for unit specs under fake timers: the spec
 * plays the server (`open`, `welcome`, `reply`, `serverClose`, `refuse`) and reads what the
 * client sent. `refuse` behaves as Node's global WebSocket does on a refused upgrade: an
 * `error` event and no `close`. A socket opened with `switchboard.msgpack` first speaks
 * MessagePack both ways (through @msgpack/msgpack), delivering binary frames as ArrayBuffers.
 */
export class FakeWebSocket implements WebSocketLike {
  static instances: FakeWebSocket[] = [];
  static reset(): void {
    FakeWebSocket.instances = [];
  }
  static get last(): FakeWebSocket {
    const socket = FakeWebSocket.instances.at(-1);
    if (!socket) throw new Error('no WebSocket was opened');
    return socket;
  }

  readyState = 0;
  binaryType = 'blob';
  readonly sent: Array<{ event: string; data?: any; id?: number }> = [];
  /** What `send` was given, frame by frame: `text` or `binary`. */
  readonly sentKinds: Array<'text' | 'binary'> = [];
  closedWith: { code?: number; reason?: string } | undefined;
  onopen: ((event: any) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: any) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  readonly url: string;
  readonly protocols: string[];

  constructor(url: string, protocols?: string | string[]) {
    this.url = url;
    this.protocols = typeof protocols === 'string' ? [protocols] : (protocols ?? []);
    FakeWebSocket.instances.push(this);
  }

  /** The token offered in the `bearer.<token>` subprotocol. */
  get token(): string | undefined {
    return this.protocols.find((p) => p.startsWith('bearer.'))?.slice('bearer.'.length);
  }

  /** Whether this socket speaks MessagePack (the subprotocol the server would pick: the first offered). */
  get msgpack(): boolean {
    return this.protocols[0] === 'switchboard.msgpack';
  }

  send(data: string | Uint8Array): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sentKinds.push(typeof data === 'string' ? 'text' : 'binary');
    this.sent.push((typeof data === 'string' ? JSON.parse(data) : decode(data)) as { event: string; data?: any; id?: number });
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    this.readyState = 3;
  }

  // --- the server's side ---

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  /** A frame from the server, in the socket's format (`binaryType: 'arraybuffer'`: an ArrayBuffer). */
  frame(frame: unknown): void {
    if (!this.msgpack) return this.onmessage?.({ data: JSON.stringify(frame) });
    const bytes = encode(frame);
    this.onmessage?.({ data: this.binaryType === 'arraybuffer' ? bytes.slice().buffer : bytes });
  }

  /** Raw data as the server might send it, e.g. a text frame on a MessagePack connection. */
  raw(data: unknown): void {
    this.onmessage?.({ data });
  }

  /** Opens and greets, as a node does. */
  welcome(node = 'n1'): void {
    this.open();
    this.frame({ event: 'welcome', data: { connectionId: `c-${FakeWebSocket.instances.length}`, node } });
  }

  /** Answers the last request of `event` the client sent (or the one with `id`). */
  reply(event: string, data: unknown, id = this.lastOf(event).id): void {
    this.frame({ event: replyEvent[event] ?? event, data, id });
  }

  error(event: string, code: string, id = this.lastOf(event).id): void {
    this.frame({ event: 'error', data: { code, message: `refused: ${code}` }, id });
  }

  serverClose(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }

  /** A refused upgrade; `message` is what the implementation says (`ws`: "Unexpected server response: 401"). */
  refuse(message = 'Received network error or non-101 status code.'): void {
    this.onerror?.({ type: 'error', message });
  }

  lastOf(event: string): { event: string; data?: any; id?: number } {
    const frame = this.sent.filter((f) => f.event === event).at(-1);
    if (!frame) throw new Error(`the client sent no ${event}; sent: ${JSON.stringify(this.sent)}`);
    return frame;
  }

  sentOf(event: string): Array<{ event: string; data?: any; id?: number }> {
    return this.sent.filter((f) => f.event === event);
  }
}

const replyEvent: Record<string, string> = { subscribe: 'subscribed', unsubscribe: 'unsubscribed', publish: 'published', echo: 'echo', rpc: 'rpc_result' };
