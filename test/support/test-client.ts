import { decode, encode } from '@msgpack/msgpack';
import { WebSocket, type ClientOptions } from 'ws';

export interface Frame {
  event: string;
  data?: any;
  id?: string | number;
}

/**
 * A real `ws` client that records every frame it receives, so a test can wait for
 * the frame it expects without racing the socket.
 */
export class TestClient {
  readonly frames: Frame[] = [];
  /** The welcome frame the server greeted this connection with. */
  welcome!: Frame;
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<() => void> = [];

  /** Frames that came in the other format than the connection's (a server bug if ever non-zero). */
  wrongFormat = 0;

  private constructor(
    readonly socket: WebSocket,
    /** `msgpack`: speaks switchboard.msgpack through @msgpack/msgpack, another implementation than the server's. */
    readonly format: 'json' | 'msgpack',
  ) {
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary !== (format === 'msgpack')) this.wrongFormat++;
      this.frames.push((isBinary ? decode(data) : JSON.parse(data.toString())) as Frame);
      this.wake();
    });
    this.closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.wake();
      }),
    );
    socket.on('error', () => undefined);
  }

  /** Connects and waits for the welcome frame. */
  static async connect(url: string, options?: ClientOptions & { format?: 'json' | 'msgpack' }): Promise<TestClient> {
    const format = options?.format ?? 'json';
    const socket = format === 'msgpack' ? new WebSocket(url, ['switchboard.msgpack'], options) : new WebSocket(url, options);
    const client = new TestClient(socket, format);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
      socket.once('error', reject);
    });
    client.welcome = await client.next((frame) => frame.event === 'welcome');
    return client;
  }

  send(frame: unknown): void {
    if (typeof frame === 'string') this.socket.send(frame);
    else this.socket.send(this.format === 'msgpack' ? encode(frame) : JSON.stringify(frame));
  }

  /** Sends a request with an id and resolves with the frame that answers it. */
  async request(event: string, data: unknown, id: string | number = `r${Math.random().toString(36).slice(2)}`): Promise<Frame> {
    this.send({ event, data, id });
    return this.next((frame) => frame.id === id);
  }

  async subscribe(channel: string): Promise<void> {
    const reply = await this.request('subscribe', { channel });
    if (reply.event !== 'subscribed') throw new Error(`subscribe failed: ${JSON.stringify(reply)}`);
  }

  /** Resolves with the first received frame (consumed in order) matching `predicate`. */
  async next(predicate: (frame: Frame) => boolean = () => true, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.frames.findIndex(predicate);
      if (index >= 0) return this.frames.splice(index, 1)[0]!;
      if (this.socket.readyState === WebSocket.CLOSED) throw new Error('socket closed while waiting for a frame');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame within ${timeoutMs} ms; have ${JSON.stringify(this.frames).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits until `count` frames match, returning them in arrival order. */
  async collect(predicate: (frame: Frame) => boolean, count: number, timeoutMs = 10_000): Promise<Frame[]> {
    const out: Frame[] = [];
    while (out.length < count) out.push(await this.next(predicate, timeoutMs));
    return out;
  }

  /** Waits briefly and returns how many matching frames arrived (for "receives nothing" checks). */
  async countWithin(predicate: (frame: Frame) => boolean, ms: number): Promise<number> {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return this.frames.filter(predicate).length;
  }

  close(): void {
    this.socket.close();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((wake) => wake());
  }
}

export const isMessageOn = (channel: string) => (frame: Frame) => frame.event === 'message' && frame.data?.channel === channel;
