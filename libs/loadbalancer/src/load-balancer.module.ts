import { Module } from '@nestjs/common';
import { HealthModule } from '#libs/health';
import { TransportModule } from '#libs/transport';
import { AgentCheckServer } from './agent-check.server.js';

/**
 * What a load balancer talks to besides /health: the HAProxy agent-check responder
 * (AGENT_PORT), started and stopped with the app.
 */
@Module({
  imports: [HealthModule, TransportModule],
  providers: [AgentCheckServer],
  exports: [AgentCheckServer],
})
export class LoadBalancerModule {}
