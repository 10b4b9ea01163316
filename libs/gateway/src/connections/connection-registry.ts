import { Injectable, Logger } from '@nestjs/common';
import type { WebSocket } from 'ws';
import { InjectTransport, type Transport } from '#libs/transport';
import type { Connection } from './connection.js';

/** A channel with at least one subscriber on this node. */
export interface LocalChannel {
  subscribers: Set<Connection>;
  /** Broadcasts delivered on this channel since it gained its first local subscriber. */
  messages: number;
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

  constructor(@InjectTransport() private readonly transport: Transport) {}

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

  /** Rolls back and rethrows when the bus refuses to follow a new channel. */
  async subscribe(connection: Connection, channel: string): Promise<void> {
    if (connection.subscriptions.has(channel)) return;
    connection.subscriptions.add(channel);
    const existing = this.byChannel.get(channel);
    if (existing) {
      existing.subscribers.add(connection);
      return;
    }
    this.byChannel.set(channel, { subscribers: new Set([connection]), messages: 0 });
    try {
      await this.transport.follow(channel);
    } catch (error) {
      this.unsubscribe(connection, channel);
      throw error;
    }
  }

  unsubscribe(connection: Connection, channel: string): void {
    if (!connection.subscriptions.delete(channel)) return;
    this.detach(connection, channel);
  }

  /** The channel's local subscribers, or undefined when it has none. */
  channel(channel: string): LocalChannel | undefined {
    return this.byChannel.get(channel);
  }

  /** Per channel: local subscriber count and broadcasts delivered so far, as heartbeats report them. */
  channelStats(): Map<string, { subscribers: number; messages: number }> {
    const stats = new Map<string, { subscribers: number; messages: number }>();
    for (const [channel, local] of this.byChannel) stats.set(channel, { subscribers: local.subscribers.size, messages: local.messages });
    return stats;
  }

  private detach(connection: Connection, channel: string): void {
    const local = this.byChannel.get(channel);
    if (!local) return;
    local.subscribers.delete(connection);
    if (local.subscribers.size > 0) return;
    this.byChannel.delete(channel);
    this.transport.unfollow(channel).catch((error: unknown) => {
      // The bus forgets follows it cannot reach anyway; only the log needs to know.
      this.logger.warn(`could not unfollow ${channel}: ${String(error)}`);
    });
  }
}
