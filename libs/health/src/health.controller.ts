import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { LoadIndicators } from './load.indicators.js';
import { NodeLifecycle } from './node-lifecycle.js';
import { TransportIndicator } from './transport.indicator.js';

/**
 * Endpoints for load balancers and orchestrators. `live` answers whether the process
 * works at all and depends on nothing external, so a bus outage never gets healthy
 * nodes restarted; `ready` whether it should be given new clients right now.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly lifecycle: NodeLifecycle,
    private readonly transport: TransportIndicator,
    private readonly load: LoadIndicators,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.load.eventLoop()]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.transport.check(),
      () => {
        const session = this.indicators.check('drain');
        return this.lifecycle.draining ? session.down({ draining: true }) : session.up({ draining: false });
      },
      () => this.load.capacity(),
    ]);
  }
}
