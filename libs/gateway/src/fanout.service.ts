import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { WebSocket } from 'ws';
import { InjectConfig, type SwitchboardConfig } from '#libs/config';
import { MetricsService } from '#libs/metrics';
import { type Broadcast, InjectTransport, type Transport } from '#libs/transport';
import { ConnectionRegistry } from './connections/connection-registry.js';
import { SlowConsumerGuard } from './limits/slow-consumer-guard.js';
import { TrafficCounters } from './traffic-counters.js';

/**
 * Delivers broadcasts from the bus to this node's subscribers. This is the hot path:
 * the frame arrives serialized and goes out as-is to every socket, with no Nest
 * machinery, parsing or allocation per subscriber.
 */
@Injectable()
export class FanoutService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Fanout');
  private readonly slowConsumers: SlowConsumerGuard;

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
    let sent = 0;
    for (const connection of local.subscribers) {
      const socket = connection.socket;
      if (socket.readyState !== WebSocket.OPEN || !this.slowConsumers.canWrite(socket)) continue;
      socket.send(message.frame);
      sent++;
    }
    this.traffic.out += sent;
    this.metrics.messagesSent.inc({ event: 'message' }, sent);
    // Once per broadcast, never per subscriber: the loop above stays nothing but writes.
    if (sent > 0) this.metrics.bytesSent.inc(Buffer.byteLength(message.frame) * sent);
    this.metrics.broadcastLatency.observe(Math.max(Date.now() - message.ts, 0) / 1000);
  }

  private onSlowConsumer(socket: WebSocket, reason: 'buffer' | 'write-timeout'): void {
    const connection = this.registry.get(socket);
    this.logger.warn(`closing slow consumer ${connection?.id ?? '?'} (${reason}, ${socket.bufferedAmount} bytes buffered)`);
    this.metrics.slowConsumerCloses.inc({ reason });
  }
}
