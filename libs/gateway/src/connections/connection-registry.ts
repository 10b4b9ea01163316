import { Injectable, Logger } from '@nestjs/common';
import type { WebSocket } from 'ws';
import type { NamespaceHistory } from '#libs/config';
import { type Broadcast, InjectTransport, type StreamPosition, type Transport } from '#libs/transport';
import { ChannelPolicy } from '../history/channel-policy.js';
import type { Connection } from './connection.js';

/**
 * A subscriber not yet on the live stream. `recovering`: its history is being read, and
 * live messages are kept for it meanwhile. `catching-up`: it has been given everything up
 * to `cursor`; live messages at or below it (a bus that lags behind its own log) are
 * dropped as duplicates until the first one past it, which puts it on the live stream.
 */
export type PendingSubscription = { state: 'recovering'; buffer: Broadcast[] } | { state: 'catching-up'; cursor: number };

/** A channel with at least one subscriber on this node. */
export interface LocalChannel {
  /** On the live stream: every broadcast is written to them as it arrives. */
  subscribers: Set<Connection>;
  pending: Map<Connection, PendingSubscription>;
  /** Broadcasts delivered on this channel since it gained its first local subscriber. */
  messages: number;
  /** Set when the channel keeps history: its frames then carry offset and epoch. */
  history?: NamespaceHistory;
  /** Settles once the bus follows the channel: later subscribers wait for it too. */
  following: Promise<void>;
  /** Channels with history: the position of the last broadcast delivered live here. */
  lastPosition?: StreamPosition;
  /**
   * Set while the channel's live subscribers are brought up to date after the bus
   * reconnected (FanoutService.resync): their live messages are kept meanwhile.
   */
  resync?: { buffer: Broadcast[] };
  /** After a resync: live messages at or below this offset were already given to every live subscriber. */
  cursor?: number;
}

/**
 * Open connections and which of them subscribe to which channel. It owns the rule that
 * a node follows a channel on the bus exactly while it has a local subscriber to it.
 */
@Injectable()
export class ConnectionRegistry {
  private readonly logger = new Logger(ConnectionRegistry.name);
  private readonly bySocket = new Map<WebSocket, Connection>();
  private readonly byChannel = new Map<string, LocalChannel>();
  private readonly detachHandlers: Array<(connection: Connection, channel: string) => void> = [];

  constructor(
    @InjectTransport() private readonly transport: Transport,
    private readonly policy: ChannelPolicy,
  ) {}

  get size(): number {
    return this.bySocket.size;
  }

  add(connection: Connection): void {
    this.bySocket.set(connection.socket, connection);
  }

  get(socket: WebSocket): Connection | undefined {
    return this.bySocket.get(socket);
  }

  all(): IterableIterator<Connection> {
    return this.bySocket.values();
  }

  /** Forgets a closed connection and every subscription it held. */
  remove(socket: WebSocket): Connection | undefined {
    const connection = this.bySocket.get(socket);
    if (!connection) return undefined;
    this.bySocket.delete(socket);
    for (const channel of connection.subscriptions) this.detach(connection, channel);
    connection.subscriptions.clear();
    return connection;
  }

  /**
   * Adds a subscription, live at once or `pending` (recovering until the fan-out puts it
   * on the live stream). Resolves once the bus follows the channel, so nothing published
   * after this resolves is missed. Rolls back and rethrows when the bus refuses.
   */
  async subscribe(connection: Connection, channel: string, options: { pending?: boolean } = {}): Promise<void> {
    if (connection.subscriptions.has(channel)) return;
    connection.subscriptions.add(channel);
    const add = (local: LocalChannel) => {
      if (options.pending) local.pending.set(connection, { state: 'recovering', buffer: [] });
      else local.subscribers.add(connection);
    };
    const existing = this.byChannel.get(channel);
    if (existing) {
      add(existing);
      // Not subscribed until the bus delivers the channel, or a history read could miss what is published meanwhile.
      await existing.following.catch(() => undefined);
      return;
    }
    const following = this.transport.follow(channel);
    const local: LocalChannel = { subscribers: new Set(), pending: new Map(), messages: 0, history: this.policy.historyOf(channel), following };
    add(local);
    this.byChannel.set(channel, local);
    try {
      await following;
    } catch (error) {
      this.unsubscribe(connection, channel);
      throw error;
    }
  }

  unsubscribe(connection: Connection, channel: string): void {
    if (!connection.subscriptions.delete(channel)) return;
    this.detach(connection, channel);
  }

  /** Every channel with local subscribers. */
  channels(): IterableIterator<[string, LocalChannel]> {
    return this.byChannel.entries();
  }

  /** The channel's local subscribers, or undefined when it has none. */
  channel(channel: string): LocalChannel | undefined {
    return this.byChannel.get(channel);
  }

  /** Per channel: local subscriber count and broadcasts delivered so far, as heartbeats report them. */
  channelStats(): Map<string, { subscribers: number; messages: number }> {
    const stats = new Map<string, { subscribers: number; messages: number }>();
    for (const [channel, local] of this.byChannel) stats.set(channel, { subscribers: local.subscribers.size + local.pending.size, messages: local.messages });
    return stats;
  }

  /** Called whenever a connection stops being subscribed to a channel (unsubscribe, disconnect, a failed follow). */
  onDetach(handler: (connection: Connection, channel: string) => void): void {
    this.detachHandlers.push(handler);
  }

  private detach(connection: Connection, channel: string): void {
    for (const handler of this.detachHandlers) handler(connection, channel);
    const local = this.byChannel.get(channel);
    if (!local) return;
    local.subscribers.delete(connection);
    local.pending.delete(connection);
    if (local.subscribers.size > 0 || local.pending.size > 0) return;
    this.byChannel.delete(channel);
    this.transport.unfollow(channel).catch((error: unknown) => {
      // The bus forgets follows it cannot reach anyway; only the log needs to know.
      this.logger.warn(`could not unfollow ${channel}: ${String(error)}`);
    });
  }
}
