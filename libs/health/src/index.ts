export { type EventLoopLag, EventLoopMonitor } from './event-loop-monitor.js';
export { HealthModule } from './health.module.js';
export { NodeLifecycle } from './node-lifecycle.js';
export { NodeLoad } from './node-load.js';
export { withTimeout } from './with-timeout.js';
