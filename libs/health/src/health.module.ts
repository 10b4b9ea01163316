import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller.js';
import { NodeLifecycle } from './node-lifecycle.js';

/** GET /health/live and /health/ready, and the node's draining state. */
@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [NodeLifecycle],
  exports: [NodeLifecycle],
})
export class HealthModule {}
