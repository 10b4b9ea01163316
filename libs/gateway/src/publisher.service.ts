import { Injectable } from '@nestjs/common';
import { InjectConfig, type SwitchboardConfig } from '#libs/config';
import { MetricsService } from '#libs/metrics';
import { InjectTransport, type Transport, TransportUnavailableError } from '#libs/transport';
import { encodeMessage } from './protocol/encode.js';
import { ErrorCode } from './protocol/error-codes.js';
import { ProtocolException } from './protocol/protocol-exception.js';
import { TrafficCounters } from './traffic-counters.js';

export type PublishSource = 'ws' | 'http';

/** Puts one message on the bus for every subscriber in the cluster; shared by the WebSocket and HTTP APIs. */
@Injectable()
export class Publisher {
  constructor(
    @InjectConfig() private readonly config: SwitchboardConfig,
    @InjectTransport() private readonly transport: Transport,
    private readonly metrics: MetricsService,
    private readonly traffic: TrafficCounters,
  ) {}

  /** @throws ProtocolException(TRANSPORT_UNAVAILABLE) when the bus cannot take it: never a silent drop. */
  async publish(channel: string, payload: unknown, source: PublishSource): Promise<{ ts: number }> {
    const ts = Date.now();
    const origin = this.config.nodeId;
    this.traffic.in += 1;
    try {
      await this.transport.publish({ channel, origin, ts, frame: encodeMessage(channel, payload, origin, ts) });
    } catch (error) {
      this.metrics.publishes.inc({ source, outcome: 'error' });
      this.metrics.transportErrors.inc({ operation: 'publish' });
      if (error instanceof TransportUnavailableError) {
        throw new ProtocolException(ErrorCode.TRANSPORT_UNAVAILABLE, error.message);
      }
      throw error;
    }
    this.metrics.publishes.inc({ source, outcome: 'ok' });
    this.metrics.transportPublished.inc({ type: 'broadcast' });
    return { ts };
  }
}
