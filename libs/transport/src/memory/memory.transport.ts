import { Injectable } from '@nestjs/common';
import { type Broadcast, type ControlMessage, type Transport, type TransportHealth, TransportUnavailableError } from '../transport.js';
import { TransportListeners } from '../transport-listeners.js';

/**
 * The embedded bus: one node, no server. Delivery is asynchronous (a microtask
 * later) like every networked transport, so callers cannot come to rely on a
 * publish being delivered before it returns.
 */
@Injectable()
export class MemoryTransport extends TransportListeners implements Transport {
  readonly name = 'memory';
  private readonly followed = new Set<string>();
  private running = false;

  async start(): Promise<void> {
    this.running = true;
  }

  async stop(): Promise<void> {
    this.running = false;
    this.followed.clear();
  }

  health(): TransportHealth {
    return this.running ? { ready: true, detail: 'in-process' } : { ready: false, detail: 'stopped' };
  }

  async publish(message: Broadcast): Promise<void> {
    if (!this.running) throw new TransportUnavailableError('memory transport is stopped');
    if (!this.followed.has(message.channel)) return;
    queueMicrotask(() => {
      if (!this.followed.has(message.channel)) return;
      this.emitBroadcast(message);
    });
  }


  async follow(channel: string): Promise<void> {
    this.followed.add(channel);
  }

  async unfollow(channel: string): Promise<void> {
    this.followed.delete(channel);
  }

  async publishControl(message: ControlMessage): Promise<void> {
    if (!this.running) throw new TransportUnavailableError('memory transport is stopped');
    queueMicrotask(() => {
      this.emitControl(message);
    });
  }

}
