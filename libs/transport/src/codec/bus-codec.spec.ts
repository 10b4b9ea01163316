import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBroadcast, decodeControl, encodeBroadcast, encodeControl } from './bus-codec.js';

describe('bus codec', () => {
  it('round-trips any broadcast, whatever the frame contains', () => {
    fc.assert(
      fc.property(fc.string(), fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/), fc.nat(), (frame, origin, ts) => {
        const message = { channel: 'c', origin, ts, frame };
        expect(decodeBroadcast('c', encodeBroadcast(message))).toEqual(message);
      }),
    );
  });

  it('rejects text without a header', () => {
    expect(decodeBroadcast('c', 'no header')).toBeUndefined();
    expect(decodeBroadcast('c', 'x|node|{}')).toBeUndefined();
  });

  it('round-trips control messages and drops malformed ones', () => {
    const leave = { type: 'leave' as const, nodeId: 'n1', sentAt: 1 };
    expect(decodeControl(encodeControl(leave))).toEqual(leave);
    expect(decodeControl('{"type":"leave"}')).toBeUndefined();
    expect(decodeControl('{"type":"heartbeat","node":{"id":"x"},"sentAt":1}')).toBeUndefined();
    expect(decodeControl('not json')).toBeUndefined();
  });
});
