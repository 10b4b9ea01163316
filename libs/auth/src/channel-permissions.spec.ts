import { describe, expect, it } from 'vitest';
import { ChannelPermissions } from './channel-permissions.js';

describe('ChannelPermissions', () => {
  const alice = ChannelPermissions.forUser('alice', ['chat:*', 'news'], ['chat:lobby']);

  it('matches prefix and exact patterns', () => {
    expect(alice.canSubscribe('chat:lobby')).toBe(true);
    expect(alice.canSubscribe('chat:')).toBe(true);
    expect(alice.canSubscribe('news')).toBe(true);
    expect(alice.canSubscribe('news:eu')).toBe(false);
    expect(alice.canSubscribe('chatter')).toBe(false);
    expect(alice.canPublish('chat:lobby')).toBe(true);
    expect(alice.canPublish('chat:other')).toBe(false);
  });

  it('reserves user channels: only one\'s own, subscribe only', () => {
    const everything = ChannelPermissions.forUser('alice', ['*'], ['*']);
    expect(everything.canSubscribe('user:alice')).toBe(true);
    expect(alice.canSubscribe('user:alice')).toBe(true);
    expect(everything.canSubscribe('user:bob')).toBe(false);
    expect(everything.canSubscribe('user:alice2')).toBe(false);
    expect(everything.canPublish('user:alice')).toBe(false);
    expect(everything.canPublish('user:bob')).toBe(false);
  });

  it('grants nothing without patterns', () => {
    const none = ChannelPermissions.forUser('bob', [], []);
    expect(none.canSubscribe('a')).toBe(false);
    expect(none.canPublish('a')).toBe(false);
    expect(none.canSubscribe('user:bob')).toBe(true);
  });

  it('is open when authentication is off', () => {
    const open = ChannelPermissions.unrestricted();
    expect(open.canSubscribe('user:anyone')).toBe(true);
    expect(open.canPublish('x')).toBe(true);
  });
});
