export type { ChannelSummary, ClusterNode, ClusterOverview, NodeStatus } from './cluster-node.js';
export { ClusterModule } from './cluster.module.js';
export { ClusterService, GONE_RETENTION_MS, MISSED_BEATS_BEFORE_GONE } from './cluster.service.js';
export type { LocalNodeSource } from './local-node.js';
