import { Inject } from '@nestjs/common';
import type { ControlMessage } from './control.js';

/** Where a publication stands in its channel's history stream (channels with history only). */
export interface StreamPosition {
  /**
   * Memory and Redis: 1, 2, 3… per channel, without gaps. Kafka: the record's log offset
   * in the channel's partition plus one, which grows but skips the offsets of other
   * channels sharing the partition. 0 means "before the first publication".
   */
  offset: number;
  /** Names one unbroken history of the channel; a new epoch means history was lost. */
  epoch: string;
}

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
  /**
   * Set on publications that went through the history capability, and only on those;
   * receivers add it to the client frame only on channels configured with history.
   */
  position?: StreamPosition;
}

export interface TransportHealth {
  ready: boolean;
  /** Human-readable state, shown by /health/ready and the dashboard. */
  detail: string;
}

/** `reconnect`: the connection came back after being lost; `error`: a connection error was reported. */
export type TransportEvent = 'reconnect' | 'error';

/**
 * The broadcast capability: the bus between gateway nodes. Every backend provides it.
 *
 * A node follows exactly the channels it has local subscribers for; the bus delivers
 * every broadcast on a followed channel, from any node, **this one included**, to the
 * handlers registered with `onBroadcast`. Delivery is at-most-once: what is published
 * while a node is cut off from the bus is not replayed to it (the history capability
 * exists for that). Per channel and per publisher, order is preserved.
 */
export interface Transport {
  /** `memory`, `redis` or `kafka`: the backend's name in the backend table. */
  readonly name: string;

  /**
   * Connects. Resolves once the bus is ready, or once the backend's start deadline has
   * passed with the node left not-ready and still retrying in the background: a bus that
   * is down at start-up does not keep the node from starting. Never rejects for a bus
   * outage. After it resolves ready, nothing published on a followed channel is missed.
   */
  start(): Promise<void>;

  /** Disconnects; later publishes reject with `TransportUnavailableError`. Never rejects. */
  stop(): Promise<void>;

  /** The bus's state as last observed (no I/O). `ready: false` means publishes will fail. */
  health(): TransportHealth;

  /**
   * Hands a broadcast to the bus. Resolving means the bus accepted it (Redis: PUBLISH
   * answered; Kafka: the leader acknowledged it): every node following the channel will
   * receive it unless it loses its connection first. Rejects with
   * `TransportUnavailableError` when the bus cannot take it: then no node receives it.
   * The transport never queues a publish while the bus is away.
   */
  publish(message: Broadcast): Promise<void>;

  /** Registers a delivery handler (at start-up). Called synchronously per message, in bus order. */
  onBroadcast(handler: (message: Broadcast) => void): void;

  /**
   * Starts delivering `channel` to this node. Resolves once the bus delivers it (Redis:
   * SUBSCRIBE confirmed): anything published after that is received. While the bus is
   * away the channel is remembered and followed on reconnect; never rejects for an outage.
   */
  follow(channel: string): Promise<void>;

  /** Stops delivering `channel`. Idempotent; never rejects for an outage. */
  unfollow(channel: string): Promise<void>;

  /**
   * Cluster membership traffic: every node receives every control message, the sender
   * included, whatever it follows. Same resolve/reject rules as `publish`.
   */
  publishControl(message: ControlMessage): Promise<void>;
  onControl(handler: (message: ControlMessage) => void): void;

  /**
   * One round trip to the bus over the live connections (Redis: PING on both), so
   * readiness does not rest on cached state alone. Rejects when the bus does not answer.
   * Backends whose `health()` is already a measured round trip (Kafka) resolve at once.
   */
  ping(): Promise<void>;

  /** Connection events, counted by the node's metrics. */
  onEvent(handler: (event: TransportEvent) => void): void;
}

/** Injection token for the broadcast capability of the backend chosen by `TRANSPORT`. */
export const TRANSPORT = Symbol('SWITCHBOARD_TRANSPORT');
export const InjectTransport = (): ParameterDecorator => Inject(TRANSPORT);
