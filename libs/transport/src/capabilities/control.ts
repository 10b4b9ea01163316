import type { PresenceEntry } from './presence.js';

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
  | { type: 'leave'; nodeId: string; sentAt: number }
  | { type: 'command'; id: string; from: string; command: ServerCommand; sentAt: number }
  | { type: 'presence'; nodeId: string; change: 'join' | 'leave'; channel: string; entry: PresenceEntry; sentAt: number }
  /** Every entry a node holds, in parts of at most 200; a complete `seq` replaces what peers knew of the node. */
  | { type: 'presence_sync'; nodeId: string; seq: number; part: number; parts: number; entries: Array<{ channel: string; entry: PresenceEntry }>; sentAt: number }
  | { type: 'command_reply'; id: string; to: string; nodeId: string; affected: number; sentAt: number };

/**
 * What a back end asked the cluster to do to connections (POST /api/disconnect,
 * /api/subscribe, /api/unsubscribe). Sent on the control channel, so every node, the
 * sender included, receives it and applies it to the connections it holds, then answers
 * the sender with a `command_reply` carrying how many it affected.
 */
export type ServerCommand =
  | { action: 'disconnect'; userId?: string; connectionId?: string; code: number; reason: string }
  | { action: 'subscribe' | 'unsubscribe'; userId: string; channel: string };
