import { Redis, type RedisOptions } from 'ioredis';
import { BaseTransport } from '../base/base-transport.js';
import type { Broadcast, TransportHealth } from '../capabilities/broadcast.js';
import type { ControlMessage } from '../capabilities/control.js';
import { TransportUnavailableError } from '../capabilities/errors.js';
import { decodeBroadcast, decodeControl, encodeBroadcast, encodeControl } from '../codec/bus-codec.js';
import { redactedUrl, type RedisTransportOptions } from './redis.backend.js';
import { RedisKeys } from './redis-keys.js';

/** Reconnect backoff: 100 ms doubling to a 2 s ceiling, with jitter so nodes do not reconnect in lockstep. */
const retryStrategy = (attempt: number) => Math.min(100 * 2 ** Math.min(attempt, 5), 2000) + Math.floor(Math.random() * 100);
/** How long start() waits for the first connection before letting the node come up not-ready. */
const START_TIMEOUT_MS = 10_000;
const COMMAND_TIMEOUT_MS = 2000;

/**
 * Redis pub/sub between nodes. Two connections: one in subscriber mode that follows
 * exactly the channels with local subscribers (plus the control channel), one for
 * commands (PUBLISH, and the history scripts). Neither queues commands while Redis is
 * away: a publish then fails at once and the client is told, instead of the message
 * waiting in an unbounded buffer.
 */
export class RedisTransport extends BaseTransport {
  readonly name = 'redis';
  readonly keys: RedisKeys;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  /** Set by the first subscription: every later one is a reconnect. */
  private everSubscribed = false;
  /** True once the subscriber connection has (re)subscribed to everything it should follow. */
  private subscribed = false;

  constructor(private readonly options: RedisTransportOptions) {
    super('RedisTransport');
    this.keys = new RedisKeys(options.prefix);
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
    this.publisher = new Redis(options.url, { ...common, connectionName: 'switchboard-pub' });
    // Resubscription is ours (see resubscribe): it must cover channels followed while offline too.
    this.subscriber = new Redis(options.url, { ...common, connectionName: 'switchboard-sub', autoResubscribe: false });
    this.subscriber.on('message', (channel: string, message: string) => this.receive(channel, message));
    this.subscriber.on('ready', () => void this.resubscribe());
    this.subscriber.on('close', () => this.markUnsubscribed('subscriber connection closed'));
    for (const [role, client] of [['publisher', this.publisher], ['subscriber', this.subscriber]] as const) {
      client.on('error', (error: Error) => this.noteError(role, error));
      client.on('reconnecting', () => this.logger.warn(`${role} reconnecting to ${redactedUrl(this.options.url)}`));
    }
  }

  async start(): Promise<void> {
    this.stopped = false;
    const connect = (client: Redis) => client.connect().catch((error: unknown) => this.noteError('connect', error));
    await Promise.all([connect(this.publisher), connect(this.subscriber)]);
    await this.awaitReady(START_TIMEOUT_MS, redactedUrl(this.options.url));
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
    return { ready: true, detail: `connected to ${redactedUrl(this.options.url)}, ${this.followed.size} channels followed` };
  }

  async publish(message: Broadcast): Promise<void> {
    await this.run('publish', (redis) => redis.publish(this.keys.forChannel(message.channel), encodeBroadcast(message)));
  }

  async publishControl(message: ControlMessage): Promise<void> {
    await this.run('publish', (redis) => redis.publish(this.keys.control, encodeControl(message)));
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
  async run<T>(what: string, command: (redis: Redis) => Promise<T>): Promise<T> {
    this.assertRunning();
    if (this.publisher.status !== 'ready') throw new TransportUnavailableError(`redis is unreachable (${this.publisher.status}); ${what} failed`);
    try {
      return await command(this.publisher);
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
      this.logger.log(`subscribed to ${targets.length} Redis channels on ${redactedUrl(this.options.url)}`);
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
