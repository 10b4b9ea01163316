import { describe, expect, it } from 'vitest';
import { ReplyOrder } from './reply-order.js';

const frame = (text: string) => text;

describe('ReplyOrder', () => {
  it('releases replies in request order, whatever order they settle in', () => {
    const written: string[] = [];
    const order = new ReplyOrder<string>((reply) => written.push(reply));
    const [a, b, c] = [order.reserve(), order.reserve(), order.reserve()];
    c.settle(frame('c'));
    b.settle(frame('b'));
    expect(written).toEqual([]);
    a.settle(frame('a'));
    expect(written).toEqual(['a', 'b', 'c']);
  });

  it('runs what must follow a reply right after it, and skips empty slots', () => {
    const written: string[] = [];
    const order = new ReplyOrder<string>((reply) => written.push(reply));
    const [a, b] = [order.reserve(), order.reserve()];
    b.settle(frame('b'));
    a.settle(frame('a'), () => written.push('after-a'));
    expect(written).toEqual(['a', 'after-a', 'b']);
    const c = order.reserve();
    c.settle(undefined);
    expect(order.pending).toBe(0);
  });

  it('counts only the first settle of a slot', () => {
    const written: string[] = [];
    const order = new ReplyOrder<string>((reply) => written.push(reply));
    const slot = order.reserve();
    slot.settle(frame('error'));
    slot.settle(undefined);
    slot.settle(frame('late'));
    expect(written).toEqual(['error']);
  });

  it('says when everything reserved has left', async () => {
    const order = new ReplyOrder<string>(() => undefined);
    await order.drained();
    const slot = order.reserve();
    let drained = false;
    void order.drained().then(() => (drained = true));
    await Promise.resolve();
    expect(drained).toBe(false);
    slot.settle(undefined);
    await Promise.resolve();
    expect(drained).toBe(true);
  });
});
