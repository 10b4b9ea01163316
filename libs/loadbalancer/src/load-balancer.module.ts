import { Module } from '@nestjs/common';
import { AgentCheckServer } from './agent-check.server.js';

/**
 * What a load balancer talks to besides /health: the HAProxy agent-check responder
 * (AGENT_PORT), started and stopped with the app. Needs the global config, health and
 * transport modules.
 */
@Module({
  providers: [AgentCheckServer],
  exports: [AgentCheckServer],
})
export class LoadBalancerModule {}
