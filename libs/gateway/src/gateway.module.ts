import { Module, type OnModuleInit } from '@nestjs/common';
import { AuthModule } from '#libs/auth';
import { ClusterModule, ClusterService } from '#libs/cluster';
import { HealthModule, NodeLoad } from '#libs/health';
import { MetricsModule } from '#libs/metrics';
import { RpcModule, RpcService } from '#libs/rpc';
import { type ChannelHistory, type ChannelPresence, InjectHistory, InjectPresence, InjectTransport, type Transport, TransportModule } from '#libs/transport';
import { ConnectionRegistry } from './connections/connection-registry.js';
import { FanoutService } from './fanout.service.js';
import { SwitchboardGateway } from './gateway.js';
import { ChannelPolicy } from './history/channel-policy.js';
import { HistorySubscriptions } from './history/history-subscriptions.js';
import { ApiKeyGuard } from './http/api-key.guard.js';
import { HistoryController } from './http/history.controller.js';
import { PublishController } from './http/publish.controller.js';
import { ServerControlController } from './http/server-control.controller.js';
import { ServerControl } from './server-control/server-control.service.js';
import { PresenceService } from './presence/presence.service.js';
import { PresenceController } from './http/presence.controller.js';
import { Outbound } from './outbound/outbound.service.js';
import { Publisher } from './publisher.service.js';
import { GracefulShutdown } from './shutdown/graceful-shutdown.js';
import { TrafficCounters } from './traffic-counters.js';
import { TransportMetrics } from './transport-metrics.js';

/**
 * The WebSocket protocol and the HTTP publish API; use {@link SwitchboardWsAdapter} as
 * the app's WebSocket adapter.
 */
@Module({
  imports: [TransportModule, HealthModule, MetricsModule, ClusterModule, AuthModule, RpcModule],
  controllers: [PublishController, HistoryController, PresenceController, ServerControlController],
  providers: [
    SwitchboardGateway,
    ConnectionRegistry,
    FanoutService,
    Outbound,
    Publisher,
    ChannelPolicy,
    HistorySubscriptions,
    TrafficCounters,
    ApiKeyGuard,
    GracefulShutdown,
    TransportMetrics,
    ServerControl,
    PresenceService,
  ],
  exports: [ConnectionRegistry, Publisher, GracefulShutdown],
})
export class GatewayModule implements OnModuleInit {
  constructor(
    private readonly cluster: ClusterService,
    private readonly registry: ConnectionRegistry,
    private readonly traffic: TrafficCounters,
    private readonly load: NodeLoad,
    private readonly policy: ChannelPolicy,
    @InjectTransport() private readonly transport: Transport,
    @InjectHistory() private readonly history: ChannelHistory | null,
    private readonly rpc: RpcService,
    private readonly presence: PresenceService,
    @InjectPresence() private readonly presenceCapability: ChannelPresence | null,
  ) {}

  onModuleInit(): void {
    if (this.policy.anyHistory && !this.history) {
      throw new Error(`HISTORY_CHANNELS / CHANNELS_CONFIG turn history on, but the ${this.transport.name} transport has no history capability`);
    }
    if (this.presence.anyPresence && !this.presenceCapability) {
      throw new Error(`PRESENCE_CHANNELS / CHANNELS_CONFIG turn presence on, but the ${this.transport.name} transport has no presence capability`);
    }
    this.load.attach(() => this.registry.size);
    this.cluster.attach({
      connections: () => this.registry.size,
      channels: () => this.registry.channelStats(),
      messageTotals: () => ({ in: this.traffic.in, out: this.traffic.out }),
      rpcTotals: () => this.rpc.totals,
    });
  }
}
