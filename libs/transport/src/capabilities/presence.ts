import { Inject } from '@nestjs/common';

/** One connection present on a channel. */
export interface PresenceEntry {
  connectionId: string;
  /** The token's `sub` when authentication is on. */
  userId?: string;
  /** NODE_ID of the node that holds the connection. */
  node: string;
  /** ms since the epoch at which it joined the channel. */
  joinedAt: number;
  /** A small object from the token's `presence` claim (at most {@link PRESENCE_MAX_INFO_BYTES} bytes of JSON). */
  info?: Record<string, unknown>;
}

/** A channel's presence as one node sees it. */
export interface PresenceSnapshot {
  /** At most `limit` entries, oldest join first. */
  entries: PresenceEntry[];
  /** Connections present, all of them (not bounded by `limit`). */
  connections: number;
  /** Distinct user ids among them; connections without a user id count one each. */
  users: number;
}

/** A change of a channel's presence, as the capability tells the node that follows it. */
export interface PresenceChange {
  type: 'join' | 'leave';
  channel: string;
  entry: PresenceEntry;
}

/** Bytes of JSON an entry's `info` may take; a larger claim is left out of the entry. */
export const PRESENCE_MAX_INFO_BYTES = 256;
/** Entries one node keeps per channel; joins past it are not recorded (the node logs it). */
export const PRESENCE_MAX_ENTRIES_PER_CHANNEL = 10_000;

/**
 * The presence capability: who is on a channel, cluster-wide. Each node owns the entries
 * of the connections it holds and is the only writer of them; it announces joins and
 * leaves on the bus's control channel and re-announces all its entries once per
 * heartbeat (`sync`), so a peer that missed an announcement (pub/sub is at-most-once)
 * is repaired within one period. Entries of a node the capability has not heard from
 * (heartbeat or sync) for `staleAfterMs` are dropped: a killed node's entries are gone
 * at most `staleAfterMs` (3 heartbeats) after its last beat.
 */
export interface ChannelPresence {
  /** Binds the capability to this node; called once before any other method. */
  configure(options: { nodeId: string; staleAfterMs: number }): void;

  /**
   * Records a local connection on a channel and announces it. Resolves once the bus took
   * the announcement; the local view has the entry at once. Rejects with
   * `TransportUnavailableError` when the bus cannot take it: the entry stays local and
   * reaches peers with the next `sync`.
   */
  join(channel: string, entry: PresenceEntry): Promise<void>;

  /** Removes a local connection from a channel and announces it. Idempotent; never rejects for an outage. */
  leave(channel: string, connectionId: string): Promise<void>;

  /**
   * The channel's entries as this node knows them (its own and those its peers
   * announced, minus those of peers not heard from for `staleAfterMs`). No I/O: eventually
   * consistent, behind a peer's view by at most the bus's delivery delay, or one heartbeat
   * after a lost announcement.
   */
  members(channel: string, limit: number): PresenceSnapshot;

  /** Re-announces every local entry (once per heartbeat). Never rejects. */
  sync(): Promise<void>;

  /** Changes announced by any node, this one included, in bus order per node. */
  onChange(handler: (change: PresenceChange) => void): void;
}

/** Injection token for the presence capability of the backend chosen by `TRANSPORT`. */
export const PRESENCE = Symbol('SWITCHBOARD_PRESENCE');
export const InjectPresence = (): ParameterDecorator => Inject(PRESENCE);
