import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { BaseTransport } from '../base/base-transport.js';
import type { Broadcast, TransportHealth } from '../capabilities/broadcast.js';
import type { ControlMessage } from '../capabilities/control.js';
import { TransportUnavailableError } from '../capabilities/errors.js';
import { decodeBroadcast, decodeControl, encodeBroadcast, encodeControl } from '../codec/bus-codec.js';
import { type ClusterRedis, describeRedis, type RedisTransportOptions } from './redis.backend.js';
import type { RedisCommandBus } from './redis-bus.js';
import { RedisKeys } from './redis-keys.js';
import { keySlot } from './redis-slots.js';
import { ShardedSubscriptions } from './sharded-subscriptions.js';
import { COMMAND_TIMEOUT_MS, retryStrategy, START_TIMEOUT_MS } from './redis.transport.js';

/**
 * How often the slot map is re-read while everything is fine (ioredis reads it on a new
 * connection each time). Slot migrations announce themselves anyway: MOVED to publishers,
 * SUNSUBSCRIBE to subscribers.
 */
const SLOTS_REFRESH_MS = 5000;
/** …and while the node is not ready: a failover is over as soon as the slot map names the promoted replica. */
const SLOTS_REFRESH_NOT_READY_MS = 250;

const nodeKey = (options: { host?: string; port?: number }) => `${options.host ?? '127.0.0.1'}:${options.port ?? 6379}`;
const splitKey = (key: string) => {
  const colon = key.lastIndexOf(':');
  return { host: key.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(key.slice(colon + 1)) };
};

/**
 * Redis Cluster as the bus (`REDIS_MODE=cluster`).
 *
 * - **Channel traffic is sharded pub/sub.** A channel is `<prefix>ch:{<channel>}`, in the
 *   slot of its history keys; publishes are SPUBLISH (or the history script's SPUBLISH),
 *   sent to the master that owns the slot, and nodes SSUBSCRIBE on that master only
 *   (`ShardedSubscriptions`): a channel's messages touch one shard, its master and
 *   replicas, never the others. Classic PUBLISH in a cluster is broadcast to every node
 *   over the cluster bus (redis/redis#2672), so its cost grows with the cluster.
 * - **Control traffic (heartbeats, leave) stays classic PUBLISH/SUBSCRIBE** on
 *   `<prefix>control`. That is the one channel every gateway node needs, and membership
 *   must not depend on any one shard: a classic message reaches every Redis node, so the
 *   control subscriber may sit on any reachable node (master or replica) and moves to
 *   another when its node goes; a publish may go to any master. Its volume is one
 *   heartbeat per gateway node per `NODE_HEARTBEAT_MS`, independent of channel traffic,
 *   so the cluster-wide broadcast costs little. A fixed-slot shard channel would have
 *   made every node see every other as gone whenever that one shard fails over.
 * - **Commands** go through ioredis' `Cluster` (slot routing, MOVED/ASK, slot map
 *   refreshed every second and after every failure), without offline queue: a publish
 *   whose shard has no reachable master fails at once with `TransportUnavailableError`.
 * - **Readiness**: the command client ready, the control channel subscribed, and every
 *   followed channel confirmed on the connection to its slot's current master.
 */
export class RedisClusterTransport extends BaseTransport implements RedisCommandBus {
  readonly name = 'redis';
  readonly keys: RedisKeys;
  readonly publishCommand = 'spublish';
  readonly guardsEpochs = true;
  private readonly cluster: Cluster;
  private readonly channels: ShardedSubscriptions;
  private readonly nodeOptions: RedisOptions;
  private readonly target: string;
  private control: Redis | undefined;
  private controlSubscribed = false;
  private controlFailures = 0;
  private controlTimer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  /** Masters that own slots in the latest slot map, and whether some slot has none. */
  private owners = new Set<string>();
  private unservedSlots = 0;
  /** When each distinct error text was last logged: failing nodes repeat theirs on every retry. */
  private readonly logged = new Map<string, number>();
  /** Readiness as last computed, to count a return to ready as a reconnect. */
  private wasReady = false;
  private everReady = false;

  constructor(private readonly options: RedisTransportOptions & ClusterRedis) {
    super('RedisClusterTransport');
    this.keys = new RedisKeys(options.prefix, true);
    this.target = describeRedis(options);
    this.nodeOptions = {
      // RESP2 keeps the classic pub/sub contract (a subscribed connection takes only subscription commands).
      protocol: 2,
      commandTimeout: COMMAND_TIMEOUT_MS,
      maxRetriesPerRequest: 0,
      ...(options.username !== undefined ? { username: options.username } : {}),
      ...(options.password !== undefined ? { password: options.password } : {}),
      ...(options.tls ? { tls: {} } : {}),
    };
    const clusterOptions: ClusterOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      scaleReads: 'master',
      slotsRefreshInterval: SLOTS_REFRESH_MS,
      slotsRefreshTimeout: COMMAND_TIMEOUT_MS,
      clusterRetryStrategy: retryStrategy,
      // A command whose master just went is retried on the refreshed slot map for a
      // short while (ioredis' redirection budget), then fails; `run` fails fast before
      // that when the owner is already known to be gone.
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      retryDelayOnTryAgain: 100,
      maxRedirections: 8,
      redisOptions: { ...this.nodeOptions, connectionName: 'switchboard-pub' },
    };
    this.cluster = new Cluster(options.nodes, clusterOptions);
    this.cluster.on('error', (error: Error) => this.noteError('cluster', error));
    this.cluster.on('node error', (error: Error, key: string) => this.noteError(`node ${key}`, error));
    this.cluster.on('refresh', () => {
      this.readSlotMap();
      this.connectMasters();
      this.channels.refreshed();
      this.ensureControl();
    });
    this.cluster.on('ready', () => {
      this.readSlotMap();
      this.connectMasters();
      void this.channels.sync();
      this.ensureControl();
      this.checkReady();
    });
    this.cluster.on('+node', () => this.connectMasters());
    this.cluster.on('-node', () => {
      this.refreshTopology();
      this.checkReady();
    });
    for (const status of ['close', 'reconnecting', 'end']) this.cluster.on(status, () => this.checkReady());

    this.channels = new ShardedSubscriptions({
      ownerOf: (slot) => this.cluster.slots[slot]?.[0],
      connect: (key) =>
        new Redis({
          ...this.nodeOptions,
          ...splitKey(key),
          lazyConnect: true,
          enableOfflineQueue: false,
          autoResubscribe: false,
          retryStrategy,
          connectionName: 'switchboard-ssub',
        }),
      refreshTopology: () => this.refreshTopology(),
      onMessage: (redisChannel, text) => this.receive(redisChannel, text),
      onError: (role, error) => this.noteError(role, error),
      onChange: () => this.checkReady(),
    });
  }

  async start(): Promise<void> {
    this.stopped = false;
    // Not awaited: ioredis 6's Cluster#connect() never settles when its ready check
    // fails after the first slot map arrived (it reconnects on its own, the promise is
    // left pending). Readiness is what start() waits for.
    this.cluster.connect().catch((error: unknown) => this.noteError('connect', error));
    await this.awaitReady(START_TIMEOUT_MS, this.target);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.followed.clear();
    clearTimeout(this.controlTimer);
    clearInterval(this.refreshTimer);
    this.refreshTimer = undefined;
    const control = this.control;
    this.control = undefined;
    this.controlSubscribed = false;
    await Promise.all([
      this.channels.stop(),
      control?.quit().catch(() => control.disconnect()),
      this.cluster.quit().catch(() => this.cluster.disconnect()),
    ]);
  }

  health(): TransportHealth {
    if (this.stopped) return { ready: false, detail: 'stopped' };
    if (this.cluster.status !== 'ready') return { ready: false, detail: `cluster ${this.cluster.status}${this.errorSuffix()}` };
    if (!this.controlSubscribed) return { ready: false, detail: `control channel not subscribed${this.errorSuffix()}` };
    // Every master of the slot map connected: a master that died is dropped from ioredis'
    // pool but stays in the slot map until its replica takes over (or it returns).
    const connected = new Set(this.cluster.nodes('master').filter((node) => node.status === 'ready').map((node) => nodeKey(node.options)));
    const unconnected = [...this.owners].filter((owner) => !connected.has(owner));
    if (unconnected.length > 0) return { ready: false, detail: `masters not connected: ${unconnected.join(', ')}${this.errorSuffix()}` };
    if (this.unservedSlots > 0) return { ready: false, detail: `${this.unservedSlots} slots have no master${this.errorSuffix()}` };
    const missing = this.channels.missing();
    if (missing.length > 0) {
      const shards = new Set(missing.map((channel) => this.cluster.slots[keySlot(this.keys.forChannel(channel))]?.[0] ?? 'unknown'));
      return { ready: false, detail: `${missing.length} of ${this.followed.size} channels not subscribed (owners: ${[...shards].join(', ')})${this.errorSuffix()}` };
    }
    const masters = this.cluster.nodes('master').length;
    return { ready: true, detail: `connected to ${this.target}: ${masters} masters, ${this.followed.size} channels followed` };
  }

  async publish(message: Broadcast): Promise<void> {
    await this.run('publish', () => this.cluster.spublish(this.keys.forChannel(message.channel), encodeBroadcast(message)), message.channel);
  }

  async publishControl(message: ControlMessage): Promise<void> {
    await this.run('publish', () => this.cluster.publish(this.keys.control, encodeControl(message)));
  }

  /** PING on every master, the control subscriber and every shard subscriber in use. */
  override async ping(): Promise<void> {
    const control = this.control;
    if (!control || !this.controlSubscribed) throw new TransportUnavailableError('redis control subscriber is not connected');
    await Promise.all([...this.cluster.nodes('master').map((node) => node.ping()), control.ping(), ...this.channels.connections().map((redis) => redis.ping())]);
  }

  async follow(channel: string): Promise<void> {
    this.followed.add(channel);
    await this.channels.add(this.keys.forChannel(channel));
  }

  async unfollow(channel: string): Promise<void> {
    this.followed.delete(channel);
    await this.channels.remove(this.keys.forChannel(channel));
  }

  /**
   * Runs one command through the cluster client, failing fast when the client is not
   * ready or `channel`'s shard has no reachable master.
   */
  async run<T>(what: string, command: () => Promise<T>, channel?: string): Promise<T> {
    this.assertRunning();
    if (this.cluster.status !== 'ready') throw new TransportUnavailableError(`redis cluster is unreachable (${this.cluster.status}); ${what} failed`);
    if (channel !== undefined) {
      const owner = this.cluster.slots[keySlot(this.keys.forChannel(channel))]?.[0];
      const master = owner === undefined ? undefined : this.cluster.nodes('master').find((node) => nodeKey(node.options) === owner);
      // Only a connected master: commands sent while its connection is still being made
      // would be refused by ioredis and retried later, out of order.
      if (master?.status !== 'ready') {
        if (master) this.connectMasters();
        else this.refreshTopology();
        throw new TransportUnavailableError(`redis cluster: the master for the slot of ${channel} (${owner ?? 'slot not served'}) is ${master?.status ?? 'unreachable'}; ${what} failed`);
      }
    }
    try {
      return await command();
    } catch (error) {
      throw new TransportUnavailableError(`redis ${what} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  /** The cluster client, for defining the history scripts on it (EVALSHA is routed by the channel's slot). */
  get commands(): Cluster {
    return this.cluster;
  }

  /**
   * ioredis connects to a master lazily, on its first command, and with the offline
   * queue off it refuses (and later retries, out of order) the commands sent while that
   * connection is being made. So every master is connected as soon as it is known.
   */
  private connectMasters(): void {
    // Not before the cluster is ready: its ready check (CLUSTER INFO) goes to a random
    // node and fails on one whose connection is still being made.
    if (this.cluster.status !== 'ready') return;
    for (const node of this.cluster.nodes('master')) {
      if (node.status !== 'wait') continue;
      node.once('ready', () => this.checkReady());
      node.connect().catch(() => undefined);
    }
  }

  private readSlotMap(): void {
    const owners = new Set<string>();
    let unserved = 0;
    for (let slot = 0; slot < 16384; slot++) {
      const owner = this.cluster.slots[slot]?.[0];
      if (owner) owners.add(owner);
      else unserved++;
    }
    this.owners = owners;
    this.unservedSlots = unserved;
    this.checkReady();
  }

  /** Like the base class, but each distinct error is logged at most once per 10 s: a cluster has many connections retrying at once. */
  protected override noteError(role: string, error: unknown): void {
    this.emitEvent('error');
    const text = `${role}: ${error instanceof Error ? error.message : String(error)}`;
    const now = Date.now();
    if (now - (this.logged.get(text) ?? 0) > 10_000) {
      this.logger.warn(`${this.name} ${text}`);
      this.logged.set(text, now);
      if (this.logged.size > 100) this.logged.clear();
    }
    this.lastError = text;
  }

  private refreshTopology(): void {
    if (this.stopped || this.cluster.status !== 'ready') return;
    this.cluster.refreshSlotsCache();
  }

  private receive(redisChannel: string, text: string): void {
    const channel = this.keys.toChannel(redisChannel);
    const message = channel === undefined ? undefined : decodeBroadcast(channel, text);
    if (message) this.emitBroadcast(message);
  }

  private receiveControl(text: string): void {
    const message = decodeControl(text);
    if (message) this.emitControl(message);
    else this.logger.warn('dropped a malformed control message');
  }

  /** Keeps one classic subscriber to the control channel on some reachable node, moving it when its node goes. */
  private ensureControl(): void {
    if (this.stopped || this.control || this.controlTimer) return;
    // Prefer a node the command client is connected to right now: during a failover the
    // slot map still lists the dead master.
    const nodes = this.cluster.nodes('all');
    const connected = nodes.filter((node) => node.status === 'ready');
    const candidates = (connected.length > 0 ? connected : nodes).map((node) => nodeKey(node.options));
    const known = candidates.length > 0 ? candidates : this.options.nodes.map(nodeKey);
    const key = known[Math.floor(Math.random() * known.length)]!;
    const redis = new Redis({
      ...this.nodeOptions,
      ...splitKey(key),
      lazyConnect: true,
      enableOfflineQueue: false,
      autoResubscribe: false,
      // A node that goes is left for another one, not waited for.
      retryStrategy: () => null,
      connectionName: 'switchboard-sub',
    });
    this.control = redis;
    redis.on('message', (channel: string, text: string) => {
      if (channel === this.keys.control) this.receiveControl(text);
    });
    redis.on('error', (error: Error) => this.noteError(`control subscriber ${key}`, error));
    redis.on('ready', () => {
      redis.subscribe(this.keys.control).then(
        () => {
          if (this.control !== redis) return;
          this.controlSubscribed = true;
          this.controlFailures = 0;
          this.checkReady();
        },
        (error: unknown) => {
          this.noteError('control subscriber', error);
          redis.disconnect();
        },
      );
    });
    redis.on('close', () => {
      if (this.control === redis) {
        this.controlSubscribed = false;
        this.checkReady();
      }
    });
    redis.on('end', () => {
      if (this.control !== redis) return;
      this.control = undefined;
      if (this.stopped) return;
      this.refreshTopology();
      this.controlTimer = setTimeout(() => {
        this.controlTimer = undefined;
        this.ensureControl();
      }, retryStrategy(this.controlFailures++));
    });
    redis.connect().catch(() => undefined);
  }

  /** Logs readiness changes and counts a return to ready as a reconnect. */
  private checkReady(): void {
    const { ready, detail } = this.health();
    if (ready || this.stopped) {
      clearInterval(this.refreshTimer);
      this.refreshTimer = undefined;
    } else {
      this.refreshTimer ??= setInterval(() => this.refreshTopology(), SLOTS_REFRESH_NOT_READY_MS).unref();
    }
    if (ready === this.wasReady) return;
    this.wasReady = ready;
    if (ready) {
      this.lastError = undefined;
      if (this.everReady) this.emitEvent('reconnect');
      this.everReady = true;
      this.logger.log(`ready: ${detail}`);
    } else if (!this.stopped && this.everReady) {
      this.logger.warn(`not ready: ${detail}`);
    }
  }
}
