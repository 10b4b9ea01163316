export { HealthModule } from './health.module.js';
export { NodeLifecycle } from './node-lifecycle.js';
