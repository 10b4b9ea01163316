import { describe, expect, it } from 'vitest';
import { hashTag, keySlot } from './redis-slots.js';
import { RedisKeys } from './redis-keys.js';

describe('keySlot', () => {
  it('is CRC16-XMODEM mod 16384, as the Redis Cluster spec gives it', () => {
    // The spec's reference value: crc16("123456789") = 0x31C3.
    expect(keySlot('123456789')).toBe(0x31c3);
    expect(keySlot('')).toBe(0);
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('héllo')).toBe(keySlot(Buffer.from('héllo').toString()));
  });

  it('hashes only the first non-empty hash tag', () => {
    expect(hashTag('sb:h:{orders:1}:meta')).toBe('orders:1');
    expect(hashTag('a{}b{c}')).toBe('a{}b{c}');
    expect(hashTag('a{b')).toBe('a{b');
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
  });

  it('puts a channel, its history keys and its shard channel in one slot in cluster naming', () => {
    const keys = new RedisKeys('sb:', true);
    for (const channel of ['chat:room-1', 'orders/eu@42', 'x']) {
      const [meta, stream] = keys.history(channel);
      expect(new Set([keySlot(meta), keySlot(stream), keySlot(keys.forChannel(channel))]).size).toBe(1);
      expect(keys.toChannel(keys.forChannel(channel))).toBe(channel);
    }
    expect(keys.forChannel('a:b')).toBe('sb:ch:{a:b}');
    expect(keys.toChannel('sb:control')).toBeUndefined();
    // Single Redis and Sentinel keep the names they always had.
    expect(new RedisKeys('sb:').forChannel('a:b')).toBe('sb:ch:a:b');
  });
});
