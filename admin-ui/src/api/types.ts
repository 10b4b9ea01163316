// The shapes of the cluster view API (libs/cluster/src/cluster-node.ts). Kept as a
// copy: the dashboard is a separate build and must not pull in server code.

export type NodeStatus = 'ready' | 'not-ready' | 'draining' | 'gone';

/** GET /api/nodes: one entry per node, gone nodes included for a few minutes. */
export interface ClusterNode {
  id: string;
  address: string;
  version: string;
  transport: string;
  /** ms since epoch, on that node's clock. */
  startedAt: number;
  /** When the answering node last heard from it (ms since epoch, answering node's clock). */
  lastSeen: number;
  connections: number;
  channels: number;
  subscriptions: number;
  messagesInPerSec: number;
  messagesOutPerSec: number;
  /** Client RPC requests answered per second, and RPC_TIMEOUTs among them (older nodes: absent). */
  rpcPerSec?: number;
  rpcTimeoutsPerSec?: number;
  ready: boolean;
  draining: boolean;
  /** Older nodes may not send it; see {@link nodeStatus}. */
  status?: NodeStatus;
  /** True for the node that answered. */
  self: boolean;
}

/** GET /api/channels. */
export interface ChannelSummary {
  channel: string;
  subscribers: number;
  nodes: number;
  messagesPerSec?: number;
}

/** GET /api/overview. */
export interface ClusterOverview {
  node: string;
  transport: { kind: string; ready: boolean; detail: string };
  nodes: { up: number; gone: number };
  connections: number;
  messagesInPerSec: number;
  messagesOutPerSec: number;
  adminProtected: boolean;
}

export function nodeStatus(node: ClusterNode): NodeStatus {
  return node.status ?? (node.draining ? 'draining' : node.ready ? 'ready' : 'not-ready');
}
