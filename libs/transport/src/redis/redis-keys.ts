/**
 * Redis names: one pub/sub channel per Switchboard channel, one for cluster control
 * traffic, and per channel with history a meta hash (epoch, top offset) and a stream.
 * A channel's history keys share one hash tag, so in Redis Cluster they live in one slot
 * and the atomic publish stays one script on one shard.
 */
export class RedisKeys {
  readonly control: string;
  private readonly channelPrefix: string;

  constructor(private readonly prefix: string) {
    this.control = `${prefix}control`;
    this.channelPrefix = `${prefix}ch:`;
  }

  forChannel(channel: string): string {
    return this.channelPrefix + channel;
  }

  /** The Switchboard channel behind a Redis channel, or undefined for control/foreign ones. */
  toChannel(redisChannel: string): string | undefined {
    return redisChannel.startsWith(this.channelPrefix) ? redisChannel.slice(this.channelPrefix.length) : undefined;
  }

  /** [meta hash, stream] of a channel's history. Channel names cannot contain braces. */
  history(channel: string): [string, string] {
    const tagged = `${this.prefix}h:{${channel}}`;
    return [`${tagged}:meta`, `${tagged}:stream`];
  }
}
