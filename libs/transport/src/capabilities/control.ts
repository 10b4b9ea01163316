/** Per channel with local subscribers: how many, and the channel's broadcast rate. */
export interface ChannelStats {
  subscribers: number;
  /** Broadcasts per second on the channel, as this node received them. */
  messagesPerSec: number;
}

/** What one node tells the others about itself, once per heartbeat period. */
export interface NodeHeartbeat {
  id: string;
  address: string;
  version: string;
  startedAt: number;
  connections: number;
  channels: Record<string, ChannelStats>;
  messagesInPerSec: number;
  messagesOutPerSec: number;
  /** Client RPC requests answered per second, and of them timed out (absent from nodes without RPC). */
  rpcPerSec?: number;
  rpcTimeoutsPerSec?: number;
  ready: boolean;
  draining: boolean;
  transport: string;
}

/** Cluster membership traffic. Separate from broadcasts: every node receives all of it. */
export type ControlMessage =
  | { type: 'heartbeat'; node: NodeHeartbeat; sentAt: number }
  | { type: 'leave'; nodeId: string; sentAt: number };
