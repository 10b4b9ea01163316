import type { NodeHeartbeat } from '#libs/transport';

/** One node as GET /api/nodes shows it. */
export interface ClusterNode {
  id: string;
  address: string;
  version: string;
  transport: string;
  startedAt: number;
  /** When this node last heard from it (ms since epoch). */
  lastSeen: number;
  connections: number;
  /** Number of channels with at least one local subscriber. */
  channels: number;
  subscriptions: number;
  messagesInPerSec: number;
  messagesOutPerSec: number;
  ready: boolean;
  draining: boolean;
  self: boolean;
}

export interface ChannelSummary {
  channel: string;
  subscribers: number;
  /** How many nodes have local subscribers to it. */
  nodes: number;
}

export function toClusterNode(beat: NodeHeartbeat, lastSeen: number, self: boolean): ClusterNode {
  const counts = Object.values(beat.channels);
  return {
    id: beat.id,
    address: beat.address,
    version: beat.version,
    transport: beat.transport,
    startedAt: beat.startedAt,
    lastSeen,
    connections: beat.connections,
    channels: counts.length,
    subscriptions: counts.reduce((sum, n) => sum + n, 0),
    messagesInPerSec: beat.messagesInPerSec,
    messagesOutPerSec: beat.messagesOutPerSec,
    ready: beat.ready,
    draining: beat.draining,
    self,
  };
}
