import WebSocket from 'ws';
import type { ClientProtocol } from './protocol.js';
import { isSubscribeAck, MSGPACK_SUBPROTOCOL, subscribeFrame } from './protocol.js';

/**
 * One raw `ws` client connection of the load generator. It opens the connection (and, for
 * Socket.IO, joins the default namespace), answers Engine.IO pings, subscribes and hands
 * every other frame to `onFrame`. No reconnects: a bench connection that drops is a
 * result to count, not something to hide.
 */
export interface OpenOptions {
  url: string;
  protocol: ClientProtocol;
  localAddress?: string;
  timeoutMs?: number;
}

const ENGINE_PING = 0x32; // "2"
const ENGINE_OPEN = 0x30; // "0"

export class BenchClient {
  readonly ws: WebSocket;
  readonly protocol: ClientProtocol;
  onFrame: (frame: Buffer) => void = () => undefined;
  onClose: () => void = () => undefined;
  private pendingAcks = 0;
  private acked: (() => void) | undefined;

  private constructor(ws: WebSocket, protocol: ClientProtocol) {
    this.ws = ws;
    this.protocol = protocol;
  }

  /** Resolves once the connection can send requests (for Socket.IO: after the namespace `40`). */
  static open(options: OpenOptions): Promise<BenchClient> {
    return new Promise((resolve, reject) => {
      // MessagePack is asked for by subprotocol; JSON and Socket.IO offer none (the default).
      const ws = new WebSocket(options.url, options.protocol === 'msgpack' ? [MSGPACK_SUBPROTOCOL] : [], {
        perMessageDeflate: false,
        // The generator is the bottleneck on 2 cores: skip what a trusting client may skip.
        skipUTF8Validation: true,
        handshakeTimeout: options.timeoutMs ?? 15_000,
        localAddress: options.localAddress,
      });
      const client = new BenchClient(ws, options.protocol);
      let ready = false;
      const timer = setTimeout(() => fail(new Error('open timed out')), options.timeoutMs ?? 15_000);
      const fail = (error: Error): void => {
        if (ready) return;
        ready = true;
        clearTimeout(timer);
        ws.terminate();
        reject(error);
      };
      const succeed = (): void => {
        if (ready) return;
        ready = true;
        clearTimeout(timer);
        resolve(client);
      };
      ws.on('error', fail);
      ws.on('unexpected-response', (_req, res) => fail(new Error(`HTTP ${res.statusCode}`)));
      ws.on('close', () => {
        fail(new Error('closed before ready'));
        client.onClose();
      });
      ws.on('open', () => {
        // A server that ignored the subprotocol would speak JSON: fail rather than measure the wrong format.
        if (options.protocol === 'msgpack' && ws.protocol !== MSGPACK_SUBPROTOCOL) fail(new Error(`server answered subprotocol "${ws.protocol}", not ${MSGPACK_SUBPROTOCOL}`));
        else if (options.protocol !== 'socketio') succeed();
      });
      ws.on('message', (data: Buffer) => {
        if (options.protocol === 'socketio') {
          if (data.length === 1 && data[0] === ENGINE_PING) {
            ws.send('3');
            return;
          }
          if (data[0] === ENGINE_OPEN) {
            ws.send('40'); // join the default namespace
            return;
          }
          if (!ready && data[0] === 0x34 && data[1] === 0x30) {
            succeed(); // "40{sid}": joined
            return;
          }
        }
        if (client.pendingAcks > 0 && isSubscribeAck(options.protocol, data)) {
          if (--client.pendingAcks === 0) client.acked?.();
          return;
        }
        client.onFrame(data);
      });
    });
  }

  /** Subscribes to every channel and resolves when all are acknowledged. */
  subscribe(channels: readonly string[], timeoutMs = 30_000): Promise<void> {
    if (channels.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`subscribe not acknowledged within ${timeoutMs} ms`)), timeoutMs);
      this.pendingAcks = channels.length;
      this.acked = () => {
        clearTimeout(timer);
        this.acked = undefined;
        resolve();
      };
      channels.forEach((channel, i) => this.ws.send(subscribeFrame(this.protocol, channel, i + 1)));
    });
  }

  send(frame: string | Buffer): void {
    this.ws.send(frame);
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function withConcurrency<T>(items: number, limit: number, task: (i: number) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = new Array(items);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items) {
      const i = next++;
      try {
        results[i] = { status: 'fulfilled', value: await task(i) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items) }, lane));
  return results;
}

/** Source addresses for outgoing connections: spreading them over 127.0.0.2…17 keeps
 *  each (source address, destination) pair far from the ~28k ephemeral ports. */
export function localAddressFor(i: number): string {
  return `127.0.0.${2 + (i % 16)}`;
}
