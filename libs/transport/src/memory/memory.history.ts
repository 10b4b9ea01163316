import { randomBytes } from 'node:crypto';
import type { Broadcast, StreamPosition } from '../capabilities/broadcast.js';
import type { ChannelHistory, HistoryOptions, HistoryPage, HistoryQuery } from '../capabilities/history.js';
import type { MemoryTransport } from './memory.transport.js';

interface Stored {
  message: Broadcast;
  storedAt: number;
}

interface ChannelStream {
  epoch: string;
  top: number;
  /** Oldest first; offsets `top - entries.length + 1 … top`. */
  entries: Stored[];
  touchedAt: number;
}

/** How often idle channels are forgotten. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * History in the node's memory: a capped array per channel. It dies with the process,
 * and every channel gets a fresh random epoch when its stream is created, so positions
 * from before a restart are recognisably stale. A channel idle for its TTL is forgotten
 * entirely (its next publication starts a new epoch), so memory stays bounded by the
 * channels in use.
 */
export class MemoryHistory implements ChannelHistory {
  private readonly streams = new Map<string, ChannelStream>();
  private readonly ttlByChannel = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly bus: MemoryTransport) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  /** Offset, append and hand-off happen in one synchronous step: two publishes never interleave. */
  async publish(message: Broadcast, options: HistoryOptions): Promise<StreamPosition> {
    // The bus refuses when stopped; nothing is stored then.
    this.bus.assertAccepting();
    const stream = this.stream(message.channel, options);
    const position = { offset: stream.top + 1, epoch: stream.epoch };
    const positioned = { ...message, position };
    stream.top = position.offset;
    stream.entries.push({ message: positioned, storedAt: Date.now() });
    if (stream.entries.length > options.size) stream.entries.splice(0, stream.entries.length - options.size);
    void this.bus.publish(positioned);
    return position;
  }

  async position(channel: string, options: HistoryOptions): Promise<StreamPosition> {
    this.bus.assertAccepting();
    const stream = this.stream(channel, options);
    return { offset: stream.top, epoch: stream.epoch };
  }

  async read(channel: string, query: HistoryQuery, options: HistoryOptions): Promise<HistoryPage> {
    this.bus.assertAccepting();
    const stream = this.stream(channel, options);
    const oldestKept = Date.now() - options.ttlSeconds * 1000;
    const live = stream.entries.filter((entry) => entry.storedAt >= oldestKept);
    const firstOffset = stream.top - live.length + 1;
    const position = { offset: stream.top, epoch: stream.epoch };
    if (query.since === undefined) {
      const publications = live.slice(Math.max(live.length - query.limit, 0)).map((entry) => entry.message);
      return { publications, position, truncated: false, more: live.length > query.limit };
    }
    const since = query.since;
    const missed = Math.max(stream.top - since, 0);
    const truncated = missed > 0 && since + 1 < firstOffset;
    const from = Math.max(since + 1, firstOffset);
    const publications = live.slice(from - firstOffset, from - firstOffset + query.limit).map((entry) => entry.message);
    return { publications, position, truncated, more: missed > query.limit };
  }

  private stream(channel: string, options: HistoryOptions): ChannelStream {
    this.ttlByChannel.set(channel, options.ttlSeconds);
    let stream = this.streams.get(channel);
    if (!stream) {
      stream = { epoch: randomBytes(6).toString('hex'), top: 0, entries: [], touchedAt: Date.now() };
      this.streams.set(channel, stream);
    }
    stream.touchedAt = Date.now();
    return stream;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [channel, stream] of this.streams) {
      const ttlMs = (this.ttlByChannel.get(channel) ?? 0) * 1000;
      if (now - stream.touchedAt > ttlMs) {
        this.streams.delete(channel);
        this.ttlByChannel.delete(channel);
      }
    }
  }
}
