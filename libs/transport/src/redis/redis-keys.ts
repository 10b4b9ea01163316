/**
 * Redis names: one pub/sub channel per Switchboard channel, one for cluster control
 * traffic, and per channel with history a meta hash (epoch, top offset) and a stream.
 * A channel's history keys share one hash tag, so in Redis Cluster they live in one slot
 * and the atomic publish stays one script on one shard.
 *
 * `sharded` (Redis Cluster): the channel's pub/sub name carries the same hash tag,
 * `<prefix>ch:{<channel>}`, so it hashes to the slot of the channel's history keys: the
 * publish script may SPUBLISH it (a script may only touch keys and shard channels of one
 * slot), and SSUBSCRIBE finds it on the shard that owns that slot. Single Redis and
 * Sentinel keep the untagged `<prefix>ch:<channel>` they always used, so nodes of an
 * older release on the same Redis keep hearing each other. Channel names cannot contain
 * braces, so the tag is always exactly the channel name.
 */
export class RedisKeys {
  readonly control: string;
  private readonly channelPrefix: string;
  private readonly channelSuffix: string;

  constructor(
    private readonly prefix: string,
    readonly sharded = false,
  ) {
    this.control = `${prefix}control`;
    this.channelPrefix = sharded ? `${prefix}ch:{` : `${prefix}ch:`;
    this.channelSuffix = sharded ? '}' : '';
  }

  forChannel(channel: string): string {
    return this.channelPrefix + channel + this.channelSuffix;
  }

  /** The Switchboard channel behind a Redis channel, or undefined for control/foreign ones. */
  toChannel(redisChannel: string): string | undefined {
    if (!redisChannel.startsWith(this.channelPrefix) || !redisChannel.endsWith(this.channelSuffix)) return undefined;
    return redisChannel.slice(this.channelPrefix.length, redisChannel.length - this.channelSuffix.length);
  }

  /** [meta hash, stream] of a channel's history. Channel names cannot contain braces. */
  history(channel: string): [string, string] {
    const tagged = `${this.prefix}h:{${channel}}`;
    return [`${tagged}:meta`, `${tagged}:stream`];
  }
}
