import { Inject } from '@nestjs/common';
import type { Broadcast, StreamPosition } from './broadcast.js';

/** How much of a channel's past the history keeps (per channel namespace, from config). */
export interface HistoryOptions {
  /** Publications kept per channel; older ones are trimmed. */
  size: number;
  /** Publications older than this are no longer returned. */
  ttlSeconds: number;
}

export interface HistoryQuery {
  /**
   * Return the publications after this offset. Undefined: the latest `limit` ones (then
   * `truncated` is false).
   */
  since?: number;
  /** At most this many publications, 0 or more. */
  limit: number;
}

export interface HistoryPage {
  /** Oldest first, each with its `position`; at most `limit`, all of them after `since`. */
  publications: Broadcast[];
  /** The channel's top, read in the same step: see `ChannelHistory.position`. */
  position: StreamPosition;
  /**
   * Some publication after `since` is no longer stored (trimmed by size or age, or gone
   * with the log's retention): a reader cannot get everything it missed.
   */
  truncated: boolean;
  /** More than `limit` publications follow `since` (or the backend gave up counting them). */
  more: boolean;
}

/**
 * The history capability: a per-channel stream of recent publications with offsets and
 * an epoch, so a subscriber that was away can get what it missed or learn that it cannot.
 * Backends that declare it pass test/contract/history.contract.test.ts against their real
 * server.
 *
 * Epoch: a channel keeps its epoch for as long as its history is unbroken. When history
 * is lost (memory node restarted, Redis flushed or restarted without persistence, Kafka
 * topic recreated) the epoch changes, so positions of the old history are recognisably
 * stale. Offsets never repeat within an epoch.
 */
export interface ChannelHistory {
  /**
   * Publishes `message` on a channel with history. **Atomic**: the offset is assigned,
   * the publication appended to the history (trimmed to `options`) and handed to the
   * broadcast bus with its position in one step (Redis: one script, one round trip;
   * Kafka: one produce, whose log offset is the position), so live subscribers and
   * history readers see the same offsets, in the same order.
   *
   * Resolves with the publication's position once it is stored and on the bus; every
   * node following the channel receives it, this one included, with `position` set.
   * Rejects with `TransportUnavailableError` when the bus cannot take it; then it was
   * neither stored nor broadcast (Kafka: unless the produce timed out after the broker
   * wrote it, in which case it is in the log and delivered).
   */
  publish(message: Broadcast, options: HistoryOptions): Promise<StreamPosition>;

  /**
   * The channel's top: a cursor after which no publication of the channel exists yet, so
   * "everything after it" is exactly what a subscriber starting now has not seen. Memory
   * and Redis: the offset of the latest publication (0 if none). Kafka: the partition's
   * last offset, which may belong to another channel. Creates the channel's epoch if it
   * has none yet, so a subscriber that takes this position before the first publication
   * can recover from it. Rejects with `TransportUnavailableError` when the bus cannot answer.
   */
  position(channel: string, options: HistoryOptions): Promise<StreamPosition>;

  /**
   * Reads publications back, in offset order. The page's `position` is read in the same
   * step as the publications (one Redis script), so `publications` and `position` agree.
   * Rejects with `TransportUnavailableError` when the bus cannot answer.
   */
  read(channel: string, query: HistoryQuery, options: HistoryOptions): Promise<HistoryPage>;
}

/** Injection token for the history capability; bound to `null` for backends without one. */
export const HISTORY = Symbol('SWITCHBOARD_HISTORY');
export const InjectHistory = (): ParameterDecorator => Inject(HISTORY);
