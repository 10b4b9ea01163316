export { AgentCheckServer } from './agent-check.server.js';
export { agentReply, agentWeight, type NodeState } from './agent-reply.js';
export { LoadBalancerModule } from './load-balancer.module.js';
