import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { MetricsService } from '#libs/metrics';
import type { ServerFrame, WireFormat } from '../protocol/wire-format.js';
import type { EncodedBroadcast } from './encoded-broadcast.js';
import type { FrameWriter } from './frame-writer.js';
import { ReplyOrder, type Slot } from './reply-order.js';
import type { SlowConsumerGuard } from './slow-consumer-guard.js';

/** How long a policy close waits for the replies to requests accepted before it. */
const CLOSE_AFTER_REPLIES_MS = 2000;

/** What every connection's writer shares. */
export interface WriterContext {
  frames: FrameWriter;
  slowConsumers: SlowConsumerGuard;
  metrics: MetricsService;
}

interface EncodedReply {
  bytes: Buffer;
  event: string;
}

/**
 * The one way out to a connection's socket: welcome, replies, errors and broadcasts all
 * leave through it. It owns the wire format (JSON or MessagePack), the reply order
 * (replies leave in the order their requests arrived), the metrics of what it sends and
 * the slow-consumer bound, and a policy close that answers what was accepted first.
 * Frames are pre-built WebSocket frames written to the TCP socket under `ws`, corked per
 * tick (FrameWriter), in call order with ws's own control frames.
 */
export class ConnectionWriter {
  private readonly replies: ReplyOrder<EncodedReply>;
  private closing = false;

  constructor(
    readonly socket: WebSocket,
    private readonly stream: Socket,
    readonly format: WireFormat,
    private readonly context: WriterContext,
  ) {
    this.replies = new ReplyOrder((reply) => this.writeCounted(reply));
  }

  /** False once the socket is closing or a close is under way: inbound frames are then ignored. */
  get accepting(): boolean {
    return !this.closing && this.socket.readyState === WebSocket.OPEN;
  }

  /**
   * A place in the reply order for a request that just arrived. The reply is encoded when
   * settled and written once every earlier request has been answered.
   */
  reserve(): Slot<ServerFrame> {
    const slot = this.replies.reserve();
    return { settle: (frame, after) => slot.settle(frame && { bytes: this.format.encode(frame), event: frame.event }, after) };
  }

  /** A frame that answers no request (welcome): written now. */
  send(frame: ServerFrame): void {
    this.writeCounted({ bytes: this.format.encode(frame), event: frame.event });
  }

  /**
   * The hot path: one broadcast's frame for this connection's format, built once per
   * broadcast and format. Counted by the caller, once per broadcast: returns the bytes
   * written (0 when the socket could not take it).
   */
  broadcast(message: EncodedBroadcast): number {
    const bytes = message.for(this.format);
    return this.write(bytes) ? bytes.length : 0;
  }

  /**
   * Closes with `code` once the requests accepted so far are answered (bounded by a
   * grace period): a client closed for flooding still gets the replies it earned.
   */
  closeAfterReplies(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    const close = () => {
      if (this.socket.readyState === WebSocket.OPEN) this.socket.close(code, reason);
    };
    // Nothing outstanding: close now, so ws stops answering what the client keeps sending.
    if (this.replies.pending === 0) return close();
    const timer = setTimeout(close, CLOSE_AFTER_REPLIES_MS);
    timer.unref();
    void this.replies.drained().then(() => {
      clearTimeout(timer);
      close();
    });
  }

  private writeCounted(reply: EncodedReply): void {
    if (!this.write(reply.bytes)) return;
    this.context.metrics.messagesSent.inc({ event: reply.event });
    this.context.metrics.bytesSent.inc(reply.bytes.length);
  }

  private write(bytes: Buffer): boolean {
    const socket = this.socket;
    if (socket.readyState !== WebSocket.OPEN || !this.context.slowConsumers.canWrite(socket)) return false;
    this.context.frames.write(this.stream, bytes);
    return true;
  }
}
