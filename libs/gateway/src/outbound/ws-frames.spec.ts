import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Writable } from 'node:stream';
import * as ws from 'ws';
import { encodeBinaryFrame, encodeTextFrame } from './ws-frames.js';

// ws exports its Receiver at run time; @types/ws does not declare it.
const { Receiver } = ws as unknown as { Receiver: new (options: object) => Writable };

/** Decodes with ws's own client-side receiver: what a real client would make of the frame. */
function decode(frame: Buffer, binary = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const receiver = new Receiver({ isServer: false, binaryType: 'nodebuffer', maxPayload: 0 });
    receiver.on('message', (data: Buffer, isBinary: boolean) => (isBinary !== binary ? reject(new Error(`binary: ${isBinary}`)) : resolve(data.toString('latin1'))));
    receiver.on('error', reject);
    receiver.write(frame);
  });
}

describe('encodeTextFrame', () => {
  it.each([0, 1, 125, 126, 127, 65535, 65536, 200_000])('frames %i bytes so a ws client decodes them', async (size) => {
    const text = 'é'.repeat(Math.floor(size / 2)) + 'x'.repeat(size % 2);
    expect(Buffer.from(await decode(encodeTextFrame(text)), 'latin1').toString()).toBe(text);
  });

  it('round-trips any string', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 500 }), async (text) => {
      expect(Buffer.from(await decode(encodeTextFrame(text)), 'latin1').toString()).toBe(text);
    }));
  });
});

describe('encodeBinaryFrame', () => {
  it.each([0, 1, 125, 126, 65535, 65536, 100_000])('frames %i bytes so a ws client decodes them as binary', async (size) => {
    const bytes = Buffer.alloc(size, 0xab);
    expect(Buffer.from(await decode(encodeBinaryFrame(bytes), true), 'latin1').equals(bytes)).toBe(true);
  });
});
