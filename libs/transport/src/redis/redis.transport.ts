import { Redis, type RedisOptions } from 'ioredis';
import { BaseTransport } from '../base/base-transport.js';
import type { Broadcast, TransportHealth } from '../capabilities/broadcast.js';
import type { ControlMessage } from '../capabilities/control.js';
import { TransportUnavailableError } from '../capabilities/errors.js';
import { decodeBroadcast, decodeControl, encodeBroadcast, encodeControl } from '../codec/bus-codec.js';
import { describeRedis, type RedisTransportOptions, type SentinelRedis, type SingleRedis } from './redis.backend.js';
import type { RedisCommandBus } from './redis-bus.js';
import { RedisKeys } from './redis-keys.js';

/** Reconnect backoff: 100 ms doubling to a 2 s ceiling, with jitter so nodes do not reconnect in lockstep. */
export const retryStrategy = (attempt: number) => Math.min(100 * 2 ** Math.min(attempt, 5), 2000) + Math.floor(Math.random() * 100);
/** How long start() waits for the first connection before letting the node come up not-ready. */
export const START_TIMEOUT_MS = 10_000;
export const COMMAND_TIMEOUT_MS = 2000;

/**
 * A master demoted to replica (a failover it did not see, a partition healing) answers
 * writes with READONLY: drop the connection so ioredis asks the sentinels again. The
 * command itself still fails (1 = reconnect without resending it).
 */
const reconnectOnError = (error: Error) => (error.message.startsWith('READONLY') ? 1 : false);

/** Connection settings of one client for a single Redis (URL) or a Sentinel-managed master. */
function connection(options: SingleRedis | SentinelRedis, common: RedisOptions): [url: string | undefined, options: RedisOptions] {
  const credentials: RedisOptions = {};
  if (options.username !== undefined) credentials.username = options.username;
  if (options.password !== undefined) credentials.password = options.password;
  if (options.mode !== 'sentinel') return [options.url, { ...common, ...credentials }];
  return [
    undefined,
    {
      ...common,
      ...credentials,
      sentinels: options.sentinels,
      name: options.masterName,
      role: 'master',
      sentinelUsername: options.sentinelUsername,
      sentinelPassword: options.sentinelPassword,
      // Subscribes to +switch-master on the sentinels and reconnects as soon as they
      // announce a new master, instead of waiting for the old connection to break.
      failoverDetector: true,
      sentinelRetryStrategy: retryStrategy,
      sentinelCommandTimeout: COMMAND_TIMEOUT_MS,
      reconnectOnError,
      ...(options.tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
    },
  ];
}

/**
 * Redis pub/sub between nodes, on one Redis (`REDIS_MODE=single`) or on the master a
 * set of sentinels names (`sentinel`: ioredis asks the sentinels for the master on every
 * (re)connect and checks its role, so after a failover both connections come back on the
 * promoted replica). Two connections: one in subscriber mode that follows exactly the
 * channels with local subscribers (plus the control channel), one for commands
 * (PUBLISH, and the history scripts). Neither queues commands while Redis is away: a
 * publish then fails at once and the client is told, instead of the message waiting in
 * an unbounded buffer.
 */
export class RedisTransport extends BaseTransport implements RedisCommandBus {
  readonly name = 'redis';
  readonly keys: RedisKeys;
  readonly publishCommand = 'publish';
  readonly guardsEpochs: boolean;
  private readonly target: string;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  /** Set by the first subscription: every later one is a reconnect. */
  private everSubscribed = false;
  /** True once the subscriber connection has (re)subscribed to everything it should follow. */
  private subscribed = false;

  constructor(private readonly options: RedisTransportOptions) {
    super('RedisTransport');
    if (options.mode === 'cluster') throw new Error('RedisTransport serves single and sentinel deployments; use RedisClusterTransport');
    this.keys = new RedisKeys(options.prefix);
    this.guardsEpochs = options.mode === 'sentinel';
    this.target = describeRedis(options);
    const common: RedisOptions = {
      lazyConnect: true,
      // RESP2 keeps the classic pub/sub contract (a subscribed connection takes only
      // subscription commands); ioredis 6 would otherwise negotiate RESP3.
      protocol: 2,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy,
      commandTimeout: COMMAND_TIMEOUT_MS,
    };
    const client = (extra: RedisOptions) => {
      const [url, settings] = connection(options, { ...common, ...extra });
      return url === undefined ? new Redis(settings) : new Redis(url, settings);
    };
    this.publisher = client({ connectionName: 'switchboard-pub' });
    // Resubscription is ours (see resubscribe): it must cover channels followed while offline too.
    this.subscriber = client({ connectionName: 'switchboard-sub', autoResubscribe: false });
    this.subscriber.on('message', (channel: string, message: string) => this.receive(channel, message));
    this.subscriber.on('ready', () => void this.resubscribe());
    this.subscriber.on('close', () => this.markUnsubscribed('subscriber connection closed'));
    for (const [role, client] of [['publisher', this.publisher], ['subscriber', this.subscriber]] as const) {
      client.on('error', (error: Error) => this.noteError(role, error));
      client.on('reconnecting', () => this.logger.warn(`${role} reconnecting to ${this.target}`));
    }
  }

  async start(): Promise<void> {
    this.stopped = false;
    // Not awaited: with Sentinel, connect() only settles once some sentinel answered (it
    // keeps retrying them), and a bus that is away must not keep the node from starting.
    for (const client of [this.publisher, this.subscriber]) client.connect().catch((error: unknown) => this.noteError('connect', error));
    await this.awaitReady(START_TIMEOUT_MS, this.target);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.subscribed = false;
    this.followed.clear();
    await Promise.all([this.publisher, this.subscriber].map((client) => client.quit().catch(() => client.disconnect())));
  }

  health(): TransportHealth {
    if (this.stopped) return { ready: false, detail: 'stopped' };
    if (this.publisher.status !== 'ready') return { ready: false, detail: `publisher ${this.publisher.status}${this.errorSuffix()}` };
    if (!this.subscribed) return { ready: false, detail: `subscriber ${this.subscriber.status}, not subscribed${this.errorSuffix()}` };
    return { ready: true, detail: `connected to ${this.target}, ${this.followed.size} channels followed` };
  }

  async publish(message: Broadcast): Promise<void> {
    await this.run('publish', () => this.publisher.publish(this.keys.forChannel(message.channel), encodeBroadcast(message)));
  }

  async publishControl(message: ControlMessage): Promise<void> {
    await this.run('publish', () => this.publisher.publish(this.keys.control, encodeControl(message)));
  }

  /** PING on both live connections: a Redis that stopped answering shows even while its sockets look open. */
  override async ping(): Promise<void> {
    await Promise.all([this.publisher.ping(), this.subscriber.ping()]);
  }

  /** While Redis is away the channel is remembered and subscribed on reconnect. */
  async follow(channel: string): Promise<void> {
    this.followed.add(channel);
    if (this.subscriber.status === 'ready') await this.subscriber.subscribe(this.keys.forChannel(channel)).catch(() => undefined);
  }

  async unfollow(channel: string): Promise<void> {
    this.followed.delete(channel);
    if (this.subscriber.status === 'ready') await this.subscriber.unsubscribe(this.keys.forChannel(channel)).catch(() => undefined);
  }

  /**
   * Runs one command on the command connection, failing fast with
   * `TransportUnavailableError` when Redis is not there: shared by publishing and by the
   * history capability, so both refuse the same way.
   */
  async run<T>(what: string, command: () => Promise<T>): Promise<T> {
    this.assertRunning();
    if (this.publisher.status !== 'ready') throw new TransportUnavailableError(`redis is unreachable (${this.publisher.status}); ${what} failed`);
    try {
      return await command();
    } catch (error) {
      throw new TransportUnavailableError(`redis ${what} failed: ${(error as Error).message}`, { cause: error });
    }
  }

  /** The command connection, for defining scripts on it. */
  get commands(): Redis {
    return this.publisher;
  }

  private receive(redisChannel: string, text: string): void {
    if (redisChannel === this.keys.control) {
      const message = decodeControl(text);
      if (message) this.emitControl(message);
      else this.logger.warn('dropped a malformed control message');
      return;
    }
    const channel = this.keys.toChannel(redisChannel);
    const message = channel === undefined ? undefined : decodeBroadcast(channel, text);
    if (message) this.emitBroadcast(message);
  }

  /** Subscribes to the control channel and every followed channel; readiness waits for it. */
  private async resubscribe(): Promise<void> {
    try {
      const targets = [this.keys.control, ...[...this.followed].map((channel) => this.keys.forChannel(channel))];
      await this.subscriber.subscribe(...targets);
      this.subscribed = true;
      this.lastError = undefined;
      if (this.everSubscribed) this.emitEvent('reconnect');
      this.everSubscribed = true;
      this.logger.log(`subscribed to ${targets.length} Redis channels on ${this.target}`);
    } catch (error) {
      this.noteError('subscriber', error);
      // The connection is up but the subscription failed: drop it so ioredis reconnects and we retry.
      this.subscriber.disconnect(true);
    }
  }

  private markUnsubscribed(reason: string): void {
    if (this.subscribed && !this.stopped) this.logger.warn(`${reason}; not ready until resubscribed`);
    this.subscribed = false;
  }
}
