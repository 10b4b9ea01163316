import { BaseTransport } from '../base/base-transport.js';
import type { Broadcast, TransportHealth } from '../capabilities/broadcast.js';
import type { ControlMessage } from '../capabilities/control.js';

/**
 * The embedded bus: one node, no server. Delivery is asynchronous (a microtask
 * later) like every networked transport, so callers cannot come to rely on a
 * publish being delivered before it returns.
 */
export class MemoryTransport extends BaseTransport {
  readonly name = 'memory';
  private running = false;

  constructor() {
    super('MemoryTransport');
  }

  async start(): Promise<void> {
    this.stopped = false;
    this.running = true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.running = false;
    this.followed.clear();
  }

  health(): TransportHealth {
    return this.running ? { ready: true, detail: 'in-process' } : { ready: false, detail: 'stopped' };
  }

  /** Throws what `publish` would reject with; lets the history capability check before it stores. */
  assertAccepting(): void {
    this.assertRunning();
  }

  async publish(message: Broadcast): Promise<void> {
    this.assertRunning();
    if (!this.followed.has(message.channel)) return;
    queueMicrotask(() => {
      if (this.followed.has(message.channel)) this.emitBroadcast(message);
    });
  }

  async follow(channel: string): Promise<void> {
    this.followed.add(channel);
  }

  async unfollow(channel: string): Promise<void> {
    this.followed.delete(channel);
  }

  async publishControl(message: ControlMessage): Promise<void> {
    this.assertRunning();
    queueMicrotask(() => this.emitControl(message));
  }
}
