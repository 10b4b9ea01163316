import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeBroadcast, decodeControl, encodeBroadcast, encodeControl } from './bus-codec.js';

describe('bus codec', () => {
  it('round-trips any broadcast, whatever the frame contains', () => {
    fc.assert(
      fc.property(fc.string().map((rest) => `{${rest}`), fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/), fc.nat(), (frame, origin, ts) => {
        const message = { channel: 'c', origin, ts, frame };
        expect(decodeBroadcast('c', encodeBroadcast(message))).toEqual(message);
      }),
    );
  });

  it('round-trips a history position in the header, and keeps the frame intact', () => {
    fc.assert(
      fc.property(fc.string().map((rest) => `{${rest}`), fc.nat(), fc.stringMatching(/^[0-9a-f]{1,16}$/), (frame, offset, epoch) => {
        const message = { channel: 'c', origin: 'n', ts: 5, frame, position: { offset, epoch } };
        expect(decodeBroadcast('c', encodeBroadcast(message))).toEqual(message);
      }),
    );
    expect(decodeBroadcast('c', '1|n|x|e|{}')).toBeUndefined();
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

  it('round-trips server commands and their replies, and drops ambiguous disconnects', () => {
    const disconnect = { type: 'command' as const, id: 'c1', from: 'n1', command: { action: 'disconnect' as const, userId: 'u', code: 4000, reason: 'bye' }, sentAt: 1 };
    const subscribe = { type: 'command' as const, id: 'c2', from: 'n1', command: { action: 'subscribe' as const, userId: 'u', channel: 'chat:1' }, sentAt: 1 };
    const reply = { type: 'command_reply' as const, id: 'c1', to: 'n1', nodeId: 'n2', affected: 3, sentAt: 2 };
    for (const message of [disconnect, subscribe, reply]) expect(decodeControl(encodeControl(message))).toEqual(message);
    const both = { ...disconnect, command: { ...disconnect.command, connectionId: 'x' } };
    expect(decodeControl(JSON.stringify(both))).toBeUndefined();
    const neither = { ...disconnect, command: { action: 'disconnect', code: 4000, reason: '' } };
    expect(decodeControl(JSON.stringify(neither))).toBeUndefined();
    expect(decodeControl(JSON.stringify({ ...reply, affected: -1 }))).toBeUndefined();
  });
});
