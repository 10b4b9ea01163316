/** Redis channel names: one per Switchboard channel, plus one for cluster control traffic. */
export class RedisChannels {
  readonly control: string;
  private readonly channelPrefix: string;

  constructor(prefix: string) {
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
}
