import { describe, expect, it, vi } from 'vitest';
import { JSON_FORMAT, MSGPACK_FORMAT } from '../protocol/wire-format.js';
import { EncodedBroadcast } from './encoded-broadcast.js';

describe('EncodedBroadcast', () => {
  it('encodes a broadcast at most once per wire format, however many subscribers ask', () => {
    const json = vi.spyOn(JSON_FORMAT, 'encodeBroadcast');
    const msgpack = vi.spyOn(MSGPACK_FORMAT, 'encodeBroadcast');
    const encoded = new EncodedBroadcast('{"event":"message","data":{"channel":"c","payload":1,"node":"n","ts":1}}');
    const frames = [...Array(100).keys()].map((i) => encoded.for(i % 3 === 0 ? MSGPACK_FORMAT : JSON_FORMAT));
    expect(json).toHaveBeenCalledTimes(1);
    expect(msgpack).toHaveBeenCalledTimes(1);
    expect(new Set(frames).size).toBe(2);
    json.mockRestore();
    msgpack.mockRestore();
  });
});
