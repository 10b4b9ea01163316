import { Inject } from '@nestjs/common';

/**
 * One message on its way to every subscriber of `channel` in the cluster.
 * `frame` is the client-ready JSON text, serialized once by the origin node: no
 * node parses or re-serializes it on the way to its sockets.
 */
export interface Broadcast {
  channel: string;
  /** NODE_ID of the node the message was published on. */
  origin: string;
  /** Milliseconds since the epoch at which the origin accepted the message. */
  ts: number;
  frame: string;
}

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
  /** Per channel with local subscribers: how many, and the channel's broadcast rate. */
  channels: Record<string, ChannelStats>;
  messagesInPerSec: number;
  messagesOutPerSec: number;
  ready: boolean;
  draining: boolean;
  transport: string;
}

/** Cluster membership traffic. Separate from broadcasts: every node receives all of it. */
export type ControlMessage =
  | { type: 'heartbeat'; node: NodeHeartbeat; sentAt: number }
  | { type: 'leave'; nodeId: string; sentAt: number };

export interface TransportHealth {
  ready: boolean;
  /** Human-readable state, shown by /health/ready and the dashboard. */
  detail: string;
}

/** Raised by `publish` when the bus cannot take the message: the caller must report it, never drop it. */
export class TransportUnavailableError extends Error {
  readonly code = 'TRANSPORT_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransportUnavailableError';
  }
}

/**
 * The bus between gateway nodes. A node follows exactly the channels it has local
 * subscribers for; the transport delivers every broadcast on a followed channel, from
 * any node (this one included), to the handler registered with `onBroadcast`.
 *
 * Delivery is at-most-once. Per channel and per publisher, order is preserved.
 */
export interface Transport {
  /** `memory`, `redis` or `kafka`. */
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): TransportHealth;

  publish(message: Broadcast): Promise<void>;
  onBroadcast(handler: (message: Broadcast) => void): void;
  follow(channel: string): Promise<void>;
  unfollow(channel: string): Promise<void>;

  publishControl(message: ControlMessage): Promise<void>;
  onControl(handler: (message: ControlMessage) => void): void;

  /**
   * Optional: one round trip to the bus over the live connections (Redis: PING on both),
   * so readiness does not rest on cached state alone. Rejects when the bus does not answer.
   * Transports whose `health()` is already a measured round trip (Kafka) need not implement it.
   */
  ping?(): Promise<void>;
  /** Optional: connection events, counted by the node's metrics. */
  onEvent?(handler: (event: TransportEvent) => void): void;
}

/** `reconnect`: the connection came back after being lost; `error`: a connection error was reported. */
export type TransportEvent = 'reconnect' | 'error';

/** Injection token for the {@link Transport} chosen by configuration. */
export const TRANSPORT = Symbol('SWITCHBOARD_TRANSPORT');
export const InjectTransport = (): ParameterDecorator => Inject(TRANSPORT);
