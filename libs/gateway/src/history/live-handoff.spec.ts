import { describe, expect, it } from 'vitest';
import type { Broadcast } from '#libs/transport';
import { admitWhileCatchingUp, handOff } from './live-handoff.js';
import type { Recovery } from './recovery.js';

const at = (offset: number, epoch = 'e1'): Broadcast => ({ channel: 'c', origin: 'n', ts: 1, frame: `{"o":${offset}}`, position: { offset, epoch } });
const offsets = (messages: Broadcast[]) => messages.map((message) => message.position?.offset);
const recovered = (top: number, ...publications: number[]): Recovery => ({ recovered: true, position: { offset: top, epoch: 'e1' }, publications: publications.map((o) => at(o)) });

describe('handOff', () => {
  it('writes the missed publications, then only the buffered live ones past them, each once', () => {
    const { messages, next } = handOff({ state: 'recovering', buffer: [at(4), at(5), at(6), at(7)] }, recovered(5, 3, 4, 5));
    expect(offsets(messages)).toEqual([3, 4, 5, 6, 7]);
    expect(next).toBe('live');
  });

  it('keeps catching up from the cursor when nothing newer was buffered (a bus lagging behind its log)', () => {
    const { messages, next } = handOff({ state: 'recovering', buffer: [at(2), at(3)] }, recovered(3, 2, 3));
    expect(offsets(messages)).toEqual([2, 3]);
    expect(next).toEqual({ state: 'catching-up', cursor: 3 });
  });

  it('on a failed recovery, starts after the channel top and drops older buffered messages', () => {
    const failed: Recovery = { recovered: false, reason: 'too_old', position: { offset: 10, epoch: 'e1' }, publications: [] };
    const { messages, next } = handOff({ state: 'recovering', buffer: [at(9), at(10), at(11)] }, failed);
    expect(offsets(messages)).toEqual([11]);
    expect(next).toBe('live');
  });

  it('delivers buffered messages without a position as they are', () => {
    const plain: Broadcast = { channel: 'c', origin: 'n', ts: 1, frame: '{}' };
    expect(handOff({ state: 'recovering', buffer: [plain] }, recovered(0)).messages).toEqual([plain]);
  });
});

describe('admitWhileCatchingUp', () => {
  it('drops what the subscriber already has, and goes live with the first newer message', () => {
    const pending = { state: 'catching-up' as const, cursor: 7 };
    expect(admitWhileCatchingUp(pending, at(6))).toBe('drop');
    expect(admitWhileCatchingUp(pending, at(7))).toBe('drop');
    expect(admitWhileCatchingUp(pending, at(8))).toBe('deliver-and-go-live');
  });
});
