import { Injectable } from '@nestjs/common';
import { InjectConfig, type SwitchboardConfig } from '#libs/config';
import { MetricsService } from '#libs/metrics';
import { type Broadcast, type ChannelHistory, InjectHistory, InjectTransport, type StreamPosition, type Transport } from '#libs/transport';
import { ChannelPolicy } from './history/channel-policy.js';
import { encodeMessage } from './protocol/encode.js';
import { fromBus } from './errors/gateway-error.js';
import { TrafficCounters } from './traffic-counters.js';

export type PublishSource = 'ws' | 'http';

export interface Published {
  ts: number;
  /** Set on channels with history: where the publication stands in the channel's stream. */
  position?: StreamPosition;
}

/**
 * Puts one message on the bus for every subscriber in the cluster; shared by the
 * WebSocket and HTTP APIs. On a channel with history the publication goes through the
 * history capability, which stores it and broadcasts it with its offset in one step.
 */
@Injectable()
export class Publisher {
  constructor(
    @InjectConfig() private readonly config: SwitchboardConfig,
    @InjectTransport() private readonly transport: Transport,
    @InjectHistory() private readonly history: ChannelHistory | null,
    private readonly policy: ChannelPolicy,
    private readonly metrics: MetricsService,
    private readonly traffic: TrafficCounters,
  ) {}

  /**
   * `binary`: the payload may hold byte arrays (it came from a MessagePack client).
   * @throws GatewayError(TRANSPORT_UNAVAILABLE) when the bus cannot take it: never a silent drop.
   */
  async publish(channel: string, payload: unknown, source: PublishSource, options: { binary?: boolean } = {}): Promise<Published> {
    const ts = Date.now();
    const origin = this.config.nodeId;
    this.traffic.in += 1;
    const message: Broadcast = { channel, origin, ts, frame: encodeMessage(channel, payload, origin, ts, options) };
    const historyOptions = this.policy.historyOf(channel);
    let position: StreamPosition | undefined;
    try {
      if (historyOptions) position = await this.history!.publish(message, historyOptions);
      else await this.transport.publish(message);
    } catch (error) {
      this.metrics.publishes.inc({ source, outcome: 'error' });
      this.metrics.transportErrors.inc({ operation: 'publish' });
      throw fromBus(error);
    }
    this.metrics.publishes.inc({ source, outcome: 'ok' });
    this.metrics.transportPublished.inc({ type: 'broadcast' });
    return position ? { ts, position } : { ts };
  }
}
