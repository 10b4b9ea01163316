import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { Broadcast, StreamPosition } from '../capabilities/broadcast.js';
import type { ChannelHistory, HistoryOptions, HistoryPage, HistoryQuery } from '../capabilities/history.js';
import { decodeBroadcast } from '../codec/bus-codec.js';
import { PUBLISH_SCRIPT, READ_SCRIPT } from './history-scripts.js';
import type { RedisTransportOptions } from './redis.backend.js';
import type { RedisCommandBus } from './redis-bus.js';

type StreamEntry = [id: string, fields: string[]];
type ReadReply = [epoch: string, top: number, oldestId: string, entries: StreamEntry[]];

/** The scripts, defined on the command connection (EVALSHA, falling back to EVAL once after a Redis restart or on a new shard). */
interface HistoryCommands {
  sbHistoryPublish(meta: string, stream: string, ...args: Array<string | number>): Promise<[number, string]>;
  sbHistoryRead(meta: string, stream: string, ...args: Array<string | number>): Promise<ReadReply>;
}

/**
 * Epoch candidates, used by a script only when a channel has no epoch yet, so they are
 * offered on every call: a random per-process prefix and a counter keep them unique
 * without drawing random bytes per publish (which cost a third of history's overhead).
 */
const EPOCH_PREFIX = randomBytes(5).toString('hex');
let epochCounter = 0;
const newEpoch = () => EPOCH_PREFIX + (epochCounter++).toString(16);
const offsetOf = (id: string) => Number(id.slice(0, id.indexOf('-')));

/**
 * History in Redis: per channel a meta hash (epoch, top offset) and a Stream capped at
 * the namespace's size, expiring after its TTL without publications. A Redis that loses
 * its data (flushed, or restarted without persistence) loses the meta hash with it, so
 * the next publication or read creates a new epoch: clients are told `epoch_changed`.
 * Where replicas take over (Sentinel, Cluster) the epoch is also bound to the master that
 * wrote it (`guardsEpochs`, see history-scripts.ts). In a cluster the keys and the shard
 * channel share the channel's slot, so each script runs on that slot's master.
 */
export class RedisHistory implements ChannelHistory {
  private readonly redis: (Redis | Cluster) & HistoryCommands;
  private readonly guard: '1' | '0';

  constructor(
    private readonly bus: RedisCommandBus,
    private readonly options: RedisTransportOptions,
  ) {
    this.redis = bus.commands as (Redis | Cluster) & HistoryCommands;
    this.guard = bus.guardsEpochs ? '1' : '0';
    this.redis.defineCommand('sbHistoryPublish', { numberOfKeys: 2, lua: PUBLISH_SCRIPT });
    this.redis.defineCommand('sbHistoryRead', { numberOfKeys: 2, lua: READ_SCRIPT });
  }

  async publish(message: Broadcast, options: HistoryOptions): Promise<StreamPosition> {
    const [meta, stream] = this.bus.keys.history(message.channel);
    const [offset, epoch] = await this.bus.run(
      'publish',
      () =>
        this.redis.sbHistoryPublish(
          meta,
          stream,
          this.bus.keys.forChannel(message.channel),
          `${message.ts}|${message.origin}|`,
          message.frame,
          newEpoch(),
          options.size,
          options.ttlSeconds,
          Math.max(this.options.historyMetaTtlSeconds, options.ttlSeconds),
          this.bus.publishCommand,
          this.guard,
        ),
      message.channel,
    );
    return { offset: Number(offset), epoch };
  }

  async position(channel: string, options: HistoryOptions): Promise<StreamPosition> {
    return (await this.read(channel, { since: Number.MAX_SAFE_INTEGER, limit: 0 }, options)).position;
  }

  async read(channel: string, query: HistoryQuery, options: HistoryOptions): Promise<HistoryPage> {
    const [meta, stream] = this.bus.keys.history(channel);
    const metaTtl = Math.max(this.options.historyMetaTtlSeconds, options.ttlSeconds);
    const [epoch, top, oldestId, entries] = await this.bus.run(
      'history read',
      () => this.redis.sbHistoryRead(meta, stream, query.since === undefined ? '' : query.since, query.limit, newEpoch(), metaTtl, this.guard),
      channel,
    );
    const position = { offset: Number(top), epoch };
    // The stream expires as a whole after its TTL without publications; within a busy
    // stream, entries older than the TTL are treated as gone too.
    const oldestKept = Date.now() - options.ttlSeconds * 1000;
    const ordered = query.since === undefined ? [...entries].reverse() : entries;
    const publications: Broadcast[] = [];
    let aged = false;
    for (const [id, fields] of ordered) {
      const broadcast = decodeBroadcast(channel, fields[1] ?? '', { offset: offsetOf(id), epoch });
      if (!broadcast) continue;
      if (broadcast.ts < oldestKept) {
        aged = true;
        continue;
      }
      publications.push(broadcast);
    }
    const oldestStored = oldestId === '' ? Number.POSITIVE_INFINITY : offsetOf(oldestId);
    if (query.since === undefined) {
      const first = publications[0]?.position?.offset;
      return { publications, position, truncated: false, more: first !== undefined && first > oldestStored && !aged };
    }
    const since = query.since;
    const missed = Math.max(position.offset - since, 0);
    const truncated = missed > 0 && (oldestStored > since + 1 || aged);
    return { publications, position, truncated, more: missed > query.limit };
  }
}
