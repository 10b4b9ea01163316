import type { NodeHeartbeat } from '#libs/transport';

export type NodeStatus = 'ready' | 'not-ready' | 'draining' | 'gone';

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
  /** Client RPC requests answered per second, and timeouts per second among them. */
  rpcPerSec: number;
  rpcTimeoutsPerSec: number;
  ready: boolean;
  draining: boolean;
  status: NodeStatus;
  self: boolean;
}

export interface ChannelSummary {
  channel: string;
  subscribers: number;
  /** How many nodes have local subscribers to it. */
  nodes: number;
  /** Broadcasts per second on the channel (each node with subscribers sees all of them). */
  messagesPerSec: number;
}

export interface ClusterOverview {
  /** The node that answered. */
  node: string;
  transport: { kind: string; ready: boolean; detail: string };
  nodes: { up: number; gone: number };
  connections: number;
  messagesInPerSec: number;
  messagesOutPerSec: number;
  adminProtected: boolean;
}

export function toClusterNode(beat: NodeHeartbeat, lastSeen: number, self: boolean, gone = false): ClusterNode {
  const stats = Object.values(beat.channels);
  const status: NodeStatus = gone ? 'gone' : beat.draining ? 'draining' : beat.ready ? 'ready' : 'not-ready';
  return {
    id: beat.id,
    address: beat.address,
    version: beat.version,
    transport: beat.transport,
    startedAt: beat.startedAt,
    lastSeen,
    connections: gone ? 0 : beat.connections,
    channels: gone ? 0 : stats.length,
    subscriptions: gone ? 0 : stats.reduce((sum, channel) => sum + channel.subscribers, 0),
    messagesInPerSec: gone ? 0 : beat.messagesInPerSec,
    messagesOutPerSec: gone ? 0 : beat.messagesOutPerSec,
    rpcPerSec: gone ? 0 : (beat.rpcPerSec ?? 0),
    rpcTimeoutsPerSec: gone ? 0 : (beat.rpcTimeoutsPerSec ?? 0),
    ready: !gone && beat.ready,
    draining: !gone && beat.draining,
    status,
    self,
  };
}
