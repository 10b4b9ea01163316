import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeMessage } from './encode.js';
import { errorFrame } from './server-frames.js';
import { parseClientFrame } from './parse-frame.js';

describe('parseClientFrame', () => {
  it('accepts each client event with valid data', () => {
    expect(parseClientFrame('{"event":"echo","data":[1,"two"],"id":"x"}')).toEqual({ ok: true, frame: { event: 'echo', data: [1, 'two'], id: 'x' } });
    expect(parseClientFrame('{"event":"subscribe","data":{"channel":"a:b/c@d-e_f.g"}}')).toEqual({
      ok: true,
      frame: { event: 'subscribe', data: { channel: 'a:b/c@d-e_f.g' }, id: undefined },
    });
    expect(parseClientFrame('{"event":"publish","data":{"channel":"c","payload":null},"id":0}')).toMatchObject({
      ok: true,
      frame: { event: 'publish', data: { channel: 'c', payload: null }, id: 0 },
    });
  });

  it('accepts a channel of exactly 200 characters and rejects 201', () => {
    expect(parseClientFrame(JSON.stringify({ event: 'subscribe', data: { channel: 'a'.repeat(200) } })).ok).toBe(true);
    expect(parseClientFrame(JSON.stringify({ event: 'subscribe', data: { channel: 'a'.repeat(201) } }))).toMatchObject({ ok: false, code: 'INVALID_CHANNEL' });
  });

  it('rejects channels with characters outside the allowed set', () => {
    for (const channel of ['a b', 'a\nb', 'ä', 'a#b', 'a*b', '']) {
      expect(parseClientFrame(JSON.stringify({ event: 'subscribe', data: { channel } }))).toMatchObject({ ok: false, code: 'INVALID_CHANNEL' });
    }
  });

  it('keeps a usable id on errors, and drops an unusable one', () => {
    expect(parseClientFrame('{"event":"nope","id":5}')).toMatchObject({ ok: false, code: 'UNKNOWN_EVENT', id: 5 });
    expect(parseClientFrame('{"event":"nope","id":[5]}')).toMatchObject({ ok: false, code: 'BAD_REQUEST', id: undefined });
  });

  it('never throws, whatever the text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify({ event: 'publish', data: v }))), (text) => {
        const result = parseClientFrame(text);
        if (!result.ok) expect(['BAD_JSON', 'BAD_REQUEST', 'UNKNOWN_EVENT', 'INVALID_CHANNEL']).toContain(result.code);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('encoders', () => {
  it('builds the message frame the protocol documents, with the payload intact', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (payload) => {
        const frame = JSON.parse(encodeMessage('c:1', payload, 'node-a', 123));
        expect(frame).toEqual({ event: 'message', data: { channel: 'c:1', payload: JSON.parse(JSON.stringify(payload)), node: 'node-a', ts: 123 } });
      }),
    );
  });

  it('adds the id to an error frame only when there is one', () => {
    expect(errorFrame('BAD_JSON', 'm')).toEqual({ event: 'error', data: { code: 'BAD_JSON', message: 'm' } });
    expect(errorFrame('BAD_JSON', 'm', 3)).toEqual({ event: 'error', data: { code: 'BAD_JSON', message: 'm' }, id: 3 });
  });

  it('carries byte arrays in JSON as the $binary marker when asked to', () => {
    const frame = JSON.parse(encodeMessage('c', { blob: new Uint8Array([1, 2, 255]), n: 1 }, 'n', 5, { binary: true }));
    expect(frame.data.payload).toEqual({ blob: { $binary: 'AQL/' }, n: 1 });
  });
});
