import { SwitchboardError } from './errors.js';
import type { Outgoing } from './outbox.js';
import type { ClientFrame, ServerFrame } from './protocol.js';

/** Called once with the reply's `data`, or with the error. Synchronously, in frame order. */
export type ReplyCallback = (error: SwitchboardError | undefined, data?: any) => void;

interface Pending {
  frame: Outgoing;
  done: ReplyCallback;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Requests in flight, by `id`. Every request gets one; the server answers with the same
 * `id` on its reply or its error frame, whatever order replies arrive in. A request with
 * no answer in time fails with TIMEOUT and, if it was still waiting to be written, is
 * never written. Callbacks run synchronously as each reply is read, so the client's
 * state follows the frames in their order (a `subscribed` reply is handled before the
 * recovered messages right behind it), not the order promise jobs happen to run in.
 */
export class Requests {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly encode: (frame: ClientFrame) => string | Uint8Array;

  /** `encode`: the wire format's (JSON text or MessagePack bytes). */
  constructor(encode: (frame: ClientFrame) => string | Uint8Array) {
    this.encode = encode;
  }

  /** A frame with an id of its own whose reply nobody waits for (the keepalive's probe). @throws what the format's encode throws */
  frame(event: string, data: unknown, id = this.nextId++): Outgoing {
    return { data: this.encode({ event, data, id }), sent: false, cancelled: false };
  }

  /** Builds the frame of a request and registers `done` for its reply. @throws what the format's encode throws; nothing is registered then */
  create(event: string, data: unknown, timeoutMs: number, done: ReplyCallback): Outgoing {
    const id = this.nextId++;
    const frame = this.frame(event, data, id);
    const timer = setTimeout(() => {
      this.pending.delete(id);
      frame.cancelled = !frame.sent;
      done(new SwitchboardError('TIMEOUT', `no reply to ${event} within ${timeoutMs} ms`, { sent: frame.sent }));
    }, timeoutMs);
    this.pending.set(id, { frame, done, timer });
    return frame;
  }

  /** Settles the request a reply belongs to; replies to requests that gave up are ignored. */
  settle(frame: ServerFrame): void {
    const pending = typeof frame.id === 'number' ? this.pending.get(frame.id) : undefined;
    if (!pending) return;
    this.pending.delete(frame.id as number);
    clearTimeout(pending.timer);
    const error = frame.data?.error;
    if (frame.event === 'error') pending.done(new SwitchboardError(String(frame.data?.code ?? 'INTERNAL_ERROR'), String(frame.data?.message ?? 'error'), error ? { error } : undefined));
    else pending.done(undefined, frame.data);
  }

  /** Fails every request in flight, e.g. when the connection is lost. */
  failAll(error: (frame: Outgoing) => SwitchboardError): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const pending of all) {
      clearTimeout(pending.timer);
      pending.frame.cancelled = true;
      pending.done(error(pending.frame));
    }
  }
}
