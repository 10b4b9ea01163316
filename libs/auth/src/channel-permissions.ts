import { anyPattern } from './patterns.js';

/** The reserved per-user channel: `user:<sub>`. */
export const USER_CHANNEL_PREFIX = 'user:';


/**
 * What one connection may do. `user:` channels are reserved: a user may subscribe to
 * its own (`user:<sub>`) and to no one else's, and no client may publish to any of them
 * (back-ends reach users over the HTTP API).
 */
export class ChannelPermissions {
  private constructor(
    private readonly sub: string | undefined,
    private readonly subscribable: (channel: string) => boolean,
    private readonly publishable: (channel: string) => boolean,
  ) {}

  /** No authentication configured: every channel is open. */
  static unrestricted(): ChannelPermissions {
    return new ChannelPermissions(undefined, () => true, () => true);
  }

  static forUser(sub: string, subscribe: readonly string[], publish: readonly string[]): ChannelPermissions {
    return new ChannelPermissions(sub, anyPattern(subscribe), anyPattern(publish));
  }

  canSubscribe(channel: string): boolean {
    if (this.sub !== undefined && channel.startsWith(USER_CHANNEL_PREFIX)) return channel === USER_CHANNEL_PREFIX + this.sub;
    return this.subscribable(channel);
  }

  canPublish(channel: string): boolean {
    if (this.sub !== undefined && channel.startsWith(USER_CHANNEL_PREFIX)) return false;
    return this.publishable(channel);
  }
}
