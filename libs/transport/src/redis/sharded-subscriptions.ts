import type { Redis } from 'ioredis';
import { keySlot } from './redis-slots.js';

/** What the subscriptions need from the cluster around them. */
export interface ShardedSubscriptionsHost {
  /** `host:port` of the master that owns `slot` in the latest topology, or undefined while unknown. */
  ownerOf(slot: number): string | undefined;
  /** A new, not yet connected subscriber connection to one master (lazyConnect, RESP2, no auto-resubscribe). */
  connect(nodeKey: string): Redis;
  /** Asks for a fresh topology; `refreshed()` is called when it arrives. */
  refreshTopology(): void;
  onMessage(redisChannel: string, text: string): void;
  onError(role: string, error: unknown): void;
  /** Something changed that may change readiness (a channel got or lost its subscription). */
  onChange(): void;
}

/** One subscriber connection to one master, and the shard channels it is confirmed to deliver. */
interface Shard {
  readonly key: string;
  readonly redis: Redis;
  /** Channels whose SSUBSCRIBE this connection confirmed and that it delivers. */
  readonly confirmed: Set<string>;
  /** Channels with an SSUBSCRIBE in flight on this connection: their first messages may arrive before the confirmation is processed. */
  readonly pending: Set<string>;
}

/** A MOVED answer's owner is trusted over a topology older than this (gossip may lag behind). */
const MOVED_TRUST_MS = 2000;
/** How long a pass waits for a new shard connection before leaving it to its `ready` event. */
const CONNECT_WAIT_MS = 2000;

const movedTarget = (error: unknown): [slot: number, nodeKey: string] | undefined => {
  const match = /^MOVED (\d+) (\S+)/.exec(error instanceof Error ? error.message : String(error));
  return match ? [Number(match[1]), match[2]!] : undefined;
};

/**
 * Sharded pub/sub (SSUBSCRIBE) over a Redis Cluster: one subscriber connection per
 * master that owns a followed channel's slot, each subscribed to exactly the followed
 * channels of its slots. ioredis 6's own `shardedSubscribers` resubscribes after
 * topology changes without confirming it (failures are only logged at debug level), so
 * a node could stay "ready" while deaf to a shard; here every channel is *confirmed* on
 * the connection of its slot's current owner, and the transport reports ready only
 * while all of them are.
 *
 * What moves a channel: its shard's connection closing (master died: ioredis reconnects
 * it with backoff while the cluster fails over), the server dropping it (Redis 7 sends
 * an unsolicited SUNSUBSCRIBE to a master's shard subscribers when the master loses the
 * slot: a slot migration, or the master demoted in a failover), a MOVED answer to
 * SSUBSCRIBE, or a new topology naming another owner. Each unconfirms the channel and
 * reconciles: SSUBSCRIBE on the current owner, SUNSUBSCRIBE wherever a channel no longer
 * belongs (old owner first, so a channel is never delivered twice), close connections
 * that serve nothing. A message counts only from the connection its channel is confirmed
 * (or being subscribed) on.
 */
export class ShardedSubscriptions {
  private readonly wanted = new Set<string>();
  private readonly shards = new Map<string, Shard>();
  /** Channel → the shard delivering it (its SSUBSCRIBE confirmed there). */
  private readonly assigned = new Map<string, Shard>();
  private readonly moved = new Map<number, { nodeKey: string; at: number }>();
  /** Followed but not through a pass yet: not counted as missing, so following a channel does not flap readiness. */
  private readonly fresh = new Set<string>();
  /** Each followed channel's slot, computed once: readiness checks walk every followed channel. */
  private readonly slots = new Map<string, number>();
  private running: Promise<void> | undefined;
  private dirty = false;
  private stopped = false;

  constructor(private readonly host: ShardedSubscriptionsHost) {}

  /** Follows a shard channel; resolves once it is subscribed on its owner, or once a pass found the owner unreachable (it is retried). */
  async add(channel: string): Promise<void> {
    if (!this.wanted.has(channel) && !this.assigned.has(channel)) this.fresh.add(channel);
    this.wanted.add(channel);
    this.slots.set(channel, keySlot(channel));
    await this.sync();
  }

  async remove(channel: string): Promise<void> {
    this.wanted.delete(channel);
    this.fresh.delete(channel);
    this.slots.delete(channel);
    const shard = this.assigned.get(channel);
    this.unassign(channel);
    if (shard?.redis.status === 'ready') await shard.redis.sunsubscribe(channel).catch(() => undefined);
    this.host.onChange();
  }

  /** Followed channels not (yet) delivered by their owner's connection. */
  missing(): string[] {
    return [...this.wanted].filter((channel) => {
      if (this.fresh.has(channel)) return false;
      const shard = this.assigned.get(channel);
      return !shard || shard.key !== this.ownerOf(channel);
    });
  }

  /** Shard connections and how many channels each delivers, for health details. */
  describe(): string {
    return [...this.shards.values()].map((shard) => `${shard.key} ${shard.redis.status} ${shard.confirmed.size}`).join(', ');
  }

  /** Every live shard connection, for PING. */
  connections(): Redis[] {
    return [...this.shards.values()].filter((shard) => shard.confirmed.size > 0).map((shard) => shard.redis);
  }

  /** A new topology: move what it moved. */
  refreshed(): void {
    void this.sync();
  }

  /** Reconciles until nothing changed during a pass. Concurrent calls share the run. */
  sync(): Promise<void> {
    this.dirty = true;
    this.running ??= this.loop().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wanted.clear();
    this.assigned.clear();
    this.slots.clear();
    const shards = [...this.shards.values()];
    this.shards.clear();
    await Promise.all(shards.map((shard) => shard.redis.quit().catch(() => shard.redis.disconnect())));
  }

  private slotOf(channel: string): number {
    return this.slots.get(channel) ?? keySlot(channel);
  }

  private ownerOf(channel: string): string | undefined {
    const slot = this.slotOf(channel);
    const moved = this.moved.get(slot);
    if (moved && Date.now() - moved.at < MOVED_TRUST_MS) return moved.nodeKey;
    return this.host.ownerOf(slot);
  }

  private async loop(): Promise<void> {
    while (this.dirty && !this.stopped) {
      this.dirty = false;
      try {
        await this.pass();
      } catch (error) {
        this.host.onError('shard subscriber', error);
      }
    }
  }

  private async pass(): Promise<void> {
    const fresh = [...this.fresh];
    try {
      await this.reconcile();
    } finally {
      for (const channel of fresh) this.fresh.delete(channel);
      this.host.onChange();
    }
  }

  private async reconcile(): Promise<void> {
    // 1. Off the connections they no longer belong to: unfollowed, or their slot has another owner now.
    for (const [channel, shard] of [...this.assigned]) {
      if (this.wanted.has(channel) && this.ownerOf(channel) === shard.key) continue;
      this.unassign(channel);
      if (shard.redis.status === 'ready') await shard.redis.sunsubscribe(channel).catch(() => undefined);
    }
    // 2. Onto their owners, one SSUBSCRIBE per slot (all channels of one command must share a slot).
    const todo = new Map<string, Map<number, string[]>>();
    let unknownOwner = false;
    for (const channel of this.wanted) {
      if (this.assigned.has(channel)) continue;
      const owner = this.ownerOf(channel);
      if (!owner) {
        unknownOwner = true;
        continue;
      }
      const bySlot = todo.get(owner) ?? new Map<number, string[]>();
      todo.set(owner, bySlot);
      const slot = this.slotOf(channel);
      bySlot.set(slot, [...(bySlot.get(slot) ?? []), channel]);
    }
    if (unknownOwner) this.host.refreshTopology();
    await Promise.all([...todo].map(([owner, bySlot]) => this.subscribeOn(this.shardFor(owner), bySlot)));
    // 3. Close connections that serve nothing and own nothing we follow.
    const owners = new Set([...this.wanted].map((channel) => this.ownerOf(channel)));
    for (const [key, shard] of this.shards) {
      if (shard.confirmed.size === 0 && shard.pending.size === 0 && !owners.has(key)) {
        this.shards.delete(key);
        shard.redis.disconnect();
      }
    }
  }

  private async subscribeOn(shard: Shard, bySlot: Map<number, string[]>): Promise<void> {
    if (!(await this.connected(shard))) return; // its `ready` event starts the next pass
    await Promise.all(
      [...bySlot.values()].map(async (channels) => {
        for (const channel of channels) shard.pending.add(channel);
        try {
          await shard.redis.ssubscribe(...channels);
          for (const channel of channels) {
            // Unfollowed, or moved elsewhere, while the SSUBSCRIBE was in flight: the next pass cleans up.
            if (this.wanted.has(channel) && this.shards.get(shard.key) === shard && !this.assigned.has(channel)) this.assign(channel, shard);
            else this.dirty = true;
          }
        } catch (error) {
          const target = movedTarget(error);
          if (target) {
            this.moved.set(target[0], { nodeKey: target[1], at: Date.now() });
            this.host.refreshTopology();
            this.dirty = true;
          } else {
            this.host.onError(`shard subscriber ${shard.key}`, error);
          }
        } finally {
          for (const channel of channels) shard.pending.delete(channel);
        }
      }),
    );
  }

  private async connected(shard: Shard): Promise<boolean> {
    const { redis } = shard;
    if (redis.status === 'ready') return true;
    if (redis.status === 'wait') redis.connect().catch(() => undefined);
    if (redis.status === 'end') return false;
    return new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        redis.off('ready', onReady);
        redis.off('close', onClose);
        resolve(ok);
      };
      const onReady = () => done(true);
      const onClose = () => done(false);
      const timer = setTimeout(() => done(redis.status === 'ready'), CONNECT_WAIT_MS);
      redis.once('ready', onReady);
      redis.once('close', onClose);
    });
  }

  private shardFor(key: string): Shard {
    const existing = this.shards.get(key);
    if (existing) return existing;
    const redis = this.host.connect(key);
    const shard: Shard = { key, redis, confirmed: new Set(), pending: new Set() };
    this.shards.set(key, shard);
    redis.on('smessage', (channel: string, text: string) => {
      if (this.assigned.get(channel) === shard || (shard.pending.has(channel) && !this.assigned.has(channel))) this.host.onMessage(channel, text);
    });
    redis.on('ready', () => void this.sync());
    redis.on('close', () => {
      // Whatever it delivered is not delivered any more; the cluster may be failing over.
      if (shard.confirmed.size > 0) this.host.refreshTopology();
      for (const channel of [...shard.confirmed]) this.unassign(channel);
      this.host.onChange();
    });
    // ioredis emits `moved` for an unsolicited SUNSUBSCRIBE (the server dropped a channel
    // whose slot this master lost) after removing the channel from the connection's
    // subscription set, and for a MOVED answer to SSUBSCRIBE.
    redis.on('moved', () => {
      const subscriber = redis.condition?.subscriber;
      const live = new Set(subscriber ? subscriber.channels('ssubscribe') : []);
      let dropped = false;
      for (const channel of [...shard.confirmed]) {
        if (live.has(channel)) continue;
        this.unassign(channel);
        dropped = true;
      }
      this.host.refreshTopology();
      if (dropped) {
        this.host.onChange();
        void this.sync();
      }
    });
    redis.on('error', (error: Error) => this.host.onError(`shard subscriber ${key}`, error));
    return shard;
  }

  private assign(channel: string, shard: Shard): void {
    this.assigned.set(channel, shard);
    shard.confirmed.add(channel);
  }

  private unassign(channel: string): void {
    const shard = this.assigned.get(channel);
    if (!shard) return;
    this.assigned.delete(channel);
    shard.confirmed.delete(channel);
  }
}
