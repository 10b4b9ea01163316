import { Injectable, type OnModuleInit } from '@nestjs/common';
import { WebSocket } from 'ws';
import { MetricsService } from '#libs/metrics';
import { type Broadcast, InjectTransport, type Transport } from '#libs/transport';
import { ConnectionRegistry } from './connections/connection-registry.js';
import { TrafficCounters } from './traffic-counters.js';

/**
 * Delivers broadcasts from the bus to this node's subscribers. This is the hot path:
 * the frame arrives serialized and goes out as-is to every socket, with no Nest
 * machinery, parsing or allocation per subscriber.
 */
@Injectable()
export class FanoutService implements OnModuleInit {
  constructor(
    @InjectTransport() private readonly transport: Transport,
    private readonly registry: ConnectionRegistry,
    private readonly metrics: MetricsService,
    private readonly traffic: TrafficCounters,
  ) {}

  onModuleInit(): void {
    this.transport.onBroadcast((message) => this.deliver(message));
  }

  deliver(message: Broadcast): void {
    const local = this.registry.channel(message.channel);
    if (!local) return;
    local.messages++;
    let sent = 0;
    for (const connection of local.subscribers) {
      if (connection.socket.readyState !== WebSocket.OPEN) continue;
      connection.socket.send(message.frame);
      sent++;
    }
    this.traffic.out += sent;
    this.metrics.messagesSent.inc({ event: 'message' }, sent);
  }
}
