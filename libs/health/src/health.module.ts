import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TransportModule } from '#libs/transport';
import { EventLoopMonitor } from './event-loop-monitor.js';
import { HealthController } from './health.controller.js';
import { LoadIndicators } from './load.indicators.js';
import { NodeLifecycle } from './node-lifecycle.js';
import { NodeLoad } from './node-load.js';
import { TransportIndicator } from './transport.indicator.js';

/** GET /health/live and /health/ready, the node's draining state, its load (connections, event-loop delay). */
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), TransportModule],
  controllers: [HealthController],
  providers: [NodeLifecycle, NodeLoad, EventLoopMonitor, TransportIndicator, LoadIndicators],
  exports: [NodeLifecycle, NodeLoad, EventLoopMonitor],
})
export class HealthModule {}
