import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { InjectTransport, type Transport } from '#libs/transport';
import { NodeLifecycle } from './node-lifecycle.js';

/**
 * Endpoints for load balancers and orchestrators. `live` answers whether the process
 * works at all; `ready` whether it should be given clients right now.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly lifecycle: NodeLifecycle,
    @InjectTransport() private readonly transport: Transport,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.indicators.check('process').up({ pid: process.pid })]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => {
        const { ready, detail } = this.transport.health();
        const session = this.indicators.check('transport');
        return ready ? session.up({ kind: this.transport.name, detail }) : session.down({ kind: this.transport.name, detail });
      },
      () => {
        const session = this.indicators.check('drain');
        return this.lifecycle.draining ? session.down({ draining: true }) : session.up({ draining: false });
      },
    ]);
  }
}
