import { Injectable } from '@nestjs/common';
import type { NamespaceHistory } from '#libs/config';
import { MetricsService } from '#libs/metrics';
import { type ChannelHistory, InjectHistory, type StreamPosition } from '#libs/transport';
import type { Connection } from '../connections/connection.js';
import { ConnectionRegistry } from '../connections/connection-registry.js';
import { FanoutService } from '../fanout.service.js';
import type { Reply } from '../protocol/frames.js';
import { onBus } from '../errors/gateway-error.js';
import { ChannelPolicy } from './channel-policy.js';
import { type Recovery, recoverFrom } from './recovery.js';

/**
 * Subscribes to channels with history. The subscription is pending from the moment the
 * bus follows the channel: live messages are kept for it while its position is read (and,
 * with `since`, its missed publications), so nothing falls between the history read and
 * the live stream. The reply names the position; the missed publications follow it, then
 * the live stream, each publication once, in offset order.
 */
@Injectable()
export class HistorySubscriptions {
  constructor(
    @InjectHistory() private readonly history: ChannelHistory | null,
    private readonly policy: ChannelPolicy,
    private readonly registry: ConnectionRegistry,
    private readonly fanout: FanoutService,
    private readonly metrics: MetricsService,
  ) {}

  async subscribe(connection: Connection, channel: string, options: NamespaceHistory, since?: StreamPosition): Promise<Reply> {
    const history = this.history!;
    if (connection.subscriptions.has(channel)) {
      // Already on the stream: nothing was missed on this connection.
      const position = await onBus(() => history.position(channel, options));
      return { event: 'subscribed', data: { channel, ...position } };
    }
    await this.registry.subscribe(connection, channel, { pending: true });
    const started = performance.now();
    let recovery: Recovery;
    try {
      recovery = since
        ? await onBus(() => recoverFrom(history, channel, since, options, this.policy.recoveryMaxMessages))
        : { recovered: true, position: await onBus(() => history.position(channel, options)), publications: [] };
    } catch (error) {
      this.registry.unsubscribe(connection, channel);
      if (since) this.metrics.recoveries.inc({ outcome: 'error' });
      throw error;
    }
    const data: Record<string, unknown> = { channel, offset: recovery.position.offset, epoch: recovery.position.epoch };
    if (since) {
      data.recovered = recovery.recovered;
      if (!recovery.recovered) data.reason = recovery.reason;
      this.metrics.recoveries.inc({ outcome: recovery.recovered ? 'recovered' : recovery.reason });
    }
    return {
      event: 'subscribed',
      data,
      afterSend: () => {
        this.fanout.goLive(connection, channel, recovery);
        if (since) this.metrics.recoveryDuration.observe((performance.now() - started) / 1000);
      },
    };
  }

}
