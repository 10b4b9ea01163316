import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { batchSizeFor, closePaced } from './paced-close.js';

/** Just enough of a ws socket: answers a close frame with 'close' unless it is deaf. */
class FakeSocket extends EventEmitter {
  readyState: number = WebSocket.OPEN;
  closedWith?: number;
  terminated = false;
  constructor(private readonly deaf = false) {
    super();
  }
  close(code: number): void {
    this.closedWith = code;
    this.readyState = WebSocket.CLOSING;
    if (!this.deaf) setImmediate(() => this.finish());
  }
  terminate(): void {
    this.terminated = true;
    this.finish();
  }
  private finish(): void {
    if (this.readyState === WebSocket.CLOSED) return;
    this.readyState = WebSocket.CLOSED;
    this.emit('close');
  }
}

const sockets = (n: number, deaf = false) => Array.from({ length: n }, () => new FakeSocket(deaf));
const asWs = (list: FakeSocket[]) => list as unknown as WebSocket[];

describe('batchSizeFor', () => {
  it('keeps the configured batch when the pace fits the budget', () => {
    // 1000 sockets, 100 every 50 ms: 10 batches, 450 ms of pauses, well within 9 s.
    expect(batchSizeFor(1000, { batch: 100, intervalMs: 50, budgetMs: 10_000, graceMs: 1000 })).toBe(100);
  });

  it('raises the batch when the configured pace would run past the budget', () => {
    // 20 000 sockets, 100 every 50 ms would take 10 s; 4 s of pacing fits 81 batches.
    expect(batchSizeFor(20_000, { batch: 100, intervalMs: 50, budgetMs: 5000, graceMs: 1000 })).toBe(247);
  });

  it('closes all at once without an interval or without a budget for pacing', () => {
    expect(batchSizeFor(500, { batch: 10, intervalMs: 0, budgetMs: 5000, graceMs: 1000 })).toBe(500);
    expect(batchSizeFor(500, { batch: 10, intervalMs: 100, budgetMs: 500, graceMs: 1000 })).toBe(500);
  });
});

describe('closePaced', () => {
  it('closes every socket with the code, in batches with a pause between them', async () => {
    const list = sockets(25);
    const events: string[] = [];
    await closePaced(asWs(list), {
      code: 1012,
      reason: 'service restart',
      batch: 10,
      intervalMs: 20,
      budgetMs: 5000,
      graceMs: 1000,
      onBatch: (index, size) => events.push(`batch ${index}: ${size}, ${list.filter((s) => s.closedWith).length} closed before`),
      sleep: async () => {
        events.push('pause');
      },
    });
    expect(events).toEqual(['batch 0: 10, 0 closed before', 'pause', 'batch 1: 10, 10 closed before', 'pause', 'batch 2: 5, 20 closed before']);
    expect(list.every((s) => s.closedWith === 1012 && !s.terminated && s.readyState === WebSocket.CLOSED)).toBe(true);
  });

  it('terminates sockets that never answer their close frame once the budget is spent', async () => {
    const [deaf, polite] = [sockets(2, true), sockets(3)];
    await closePaced(asWs([...deaf, ...polite]), { code: 1012, reason: 'bye', batch: 10, intervalMs: 10, budgetMs: 100, graceMs: 50 });
    expect(deaf.every((s) => s.closedWith === 1012 && s.terminated)).toBe(true);
    expect(polite.every((s) => s.closedWith === 1012 && !s.terminated)).toBe(true);
  });

  it('skips sockets that closed on their own meanwhile', async () => {
    const list = sockets(3);
    list[1]!.readyState = WebSocket.CLOSED;
    await closePaced(asWs(list), { code: 1012, reason: 'bye', batch: 1, intervalMs: 0, budgetMs: 1000, graceMs: 100 });
    expect(list.map((s) => s.closedWith)).toEqual([1012, undefined, 1012]);
  });
});
