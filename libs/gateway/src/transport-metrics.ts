import { Injectable, type OnModuleInit } from '@nestjs/common';
import { MetricsService } from '#libs/metrics';
import { InjectTransport, type Transport } from '#libs/transport';

/**
 * The bus's side of the metrics that the gateway cannot count at its own calls
 * (publishes and receipts are counted where the gateway makes and takes them):
 * connection errors and reconnects, from transports that report them, and readiness.
 */
@Injectable()
export class TransportMetrics implements OnModuleInit {
  constructor(
    @InjectTransport() private readonly transport: Transport,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    this.transport.onEvent?.((event) => {
      if (event === 'reconnect') this.metrics.transportReconnects.inc();
      else this.metrics.transportErrors.inc({ operation: 'connection' });
    });
    this.metrics.beforeScrape(() => this.metrics.transportReady.set(this.transport.health().ready ? 1 : 0));
  }
}
