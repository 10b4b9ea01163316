export type { ChannelSummary, ClusterNode } from './cluster-node.js';
export { ClusterModule } from './cluster.module.js';
export { ClusterService, MISSED_BEATS_BEFORE_GONE } from './cluster.service.js';
export type { LocalNodeSource } from './local-node.js';
