import { Injectable } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { InjectTransport, type Transport } from '#libs/transport';
import { withTimeout } from './with-timeout.js';

/**
 * Well under the balancers' check timeout (2 s in deploy/): a bus that hangs makes
 * readiness answer 503 in time instead of not answering at all.
 */
export const TRANSPORT_PROBE_TIMEOUT_MS = 1000;

/**
 * Readiness of the bus, on the transport's live connections: its own state (connected
 * and subscribed, or for Kafka a recent round trip through the broker), then, where the
 * transport offers one, a round trip made now (Redis: PING on both connections).
 */
@Injectable()
export class TransportIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @InjectTransport() private readonly transport: Transport,
  ) {}

  async check(key = 'transport'): Promise<HealthIndicatorResult> {
    const session = this.indicators.check(key);
    const kind = this.transport.name;
    const { ready, detail } = this.transport.health();
    if (!ready) return session.down({ kind, detail });
    if (!this.transport.ping) return session.up({ kind, detail });
    try {
      await withTimeout(this.transport.ping(), TRANSPORT_PROBE_TIMEOUT_MS, `${kind} probe`);
      return session.up({ kind, detail });
    } catch (error) {
      return session.down({ kind, detail: `connected but not answering: ${error instanceof Error ? error.message : String(error)}` });
    }
  }
}
