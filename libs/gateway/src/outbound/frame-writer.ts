import type { Socket } from 'node:net';

/**
 * A corked socket holds its writes in user space, where they count against the slow-consumer
 * limit: past this much, hand them to the kernel now rather than at the end of the tick.
 */
const FLUSH_AT_BYTES = 64 * 1024;

/**
 * Writes pre-built frames to client sockets, corking each socket on its first write of
 * the tick and uncorking them all once the tick is over: a burst of broadcasts reaches
 * each socket as one writev() instead of one syscall per message. Uncorking a socket
 * that is no longer corked is a no-op, so early flushes need no bookkeeping.
 */
export class FrameWriter {
  private corked: Socket[] = [];
  private flushScheduled = false;
  private readonly flush = () => {
    const sockets = this.corked;
    this.corked = [];
    this.flushScheduled = false;
    for (const socket of sockets) socket.uncork();
  };

  write(socket: Socket, frame: Buffer): void {
    if (!socket.writableCorked) {
      socket.cork();
      this.corked.push(socket);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flush);
      }
    }
    socket.write(frame);
    if (socket.writableLength >= FLUSH_AT_BYTES) socket.uncork();
  }
}
