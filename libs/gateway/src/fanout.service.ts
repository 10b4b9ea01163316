import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { WebSocket } from 'ws';
import { InjectConfig, type SwitchboardConfig } from '#libs/config';
import { MetricsService } from '#libs/metrics';
import { type Broadcast, InjectTransport, type Transport } from '#libs/transport';
import { ConnectionRegistry } from './connections/connection-registry.js';
import { FrameWriter } from './fanout/frame-writer.js';
import { encodeTextFrame } from './fanout/text-frame.js';
import { SlowConsumerGuard } from './limits/slow-consumer-guard.js';
import { TrafficCounters } from './traffic-counters.js';

/**
 * Delivers broadcasts from the bus to this node's subscribers. This is the hot path:
 * the message arrives serialized, becomes one WebSocket frame, and that same buffer is
 * written to every subscriber's TCP socket (corked per tick), with no Nest machinery,
 * parsing, framing or allocation per subscriber.
 */
@Injectable()
export class FanoutService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Fanout');
  private readonly slowConsumers: SlowConsumerGuard;
  private readonly writer = new FrameWriter();

  constructor(
    @InjectConfig() config: SwitchboardConfig,
    @InjectTransport() private readonly transport: Transport,
    private readonly registry: ConnectionRegistry,
    private readonly metrics: MetricsService,
    private readonly traffic: TrafficCounters,
  ) {
    this.slowConsumers = new SlowConsumerGuard(
      config.limits.maxBufferedBytes,
      config.limits.writeTimeoutMs,
      () => [...registry.all()].map((connection) => connection.socket),
      (socket, reason) => this.onSlowConsumer(socket, reason),
    );
  }

  onModuleInit(): void {
    this.transport.onBroadcast((message) => this.deliver(message));
  }

  onModuleDestroy(): void {
    this.slowConsumers.stop();
  }

  deliver(message: Broadcast): void {
    this.metrics.transportReceived.inc();
    const local = this.registry.channel(message.channel);
    if (!local) return;
    local.messages++;
    const frame = encodeTextFrame(message.frame);
    let sent = 0;
    for (const connection of local.subscribers) {
      const socket = connection.socket;
      if (socket.readyState !== WebSocket.OPEN || !this.slowConsumers.canWrite(socket)) continue;
      this.writer.write(connection.stream, frame);
      sent++;
    }
    this.traffic.out += sent;
    this.metrics.messagesSent.inc({ event: 'message' }, sent);
    // Once per broadcast, never per subscriber: the loop above stays nothing but writes.
    if (sent > 0) this.metrics.bytesSent.inc(frame.length * sent);
    this.metrics.broadcastLatency.observe(Math.max(Date.now() - message.ts, 0) / 1000);
  }

  private onSlowConsumer(socket: WebSocket, reason: 'buffer' | 'write-timeout'): void {
    const connection = this.registry.get(socket);
    this.logger.warn(`closing slow consumer ${connection?.id ?? '?'} (${reason}, ${socket.bufferedAmount} bytes buffered)`);
    this.metrics.slowConsumerCloses.inc({ reason });
  }
}
