import { describe, expect, it } from 'vitest';
import type { Broadcast } from '../capabilities/broadcast.js';
import { type PartitionLog, scanFrom, scanLatest, type ScanLimits, type ScanRules } from './history-scan.js';
import { chunkFrom, type LogChunk, type LogRecord } from './kafka-log-reader.js';

/** A partition in memory: offsets are indexes; each fetch returns at most `perFetch` records. */
class MemoryLog implements PartitionLog {
  readonly records: LogRecord[] = [];
  logStartOffset = 0;
  fetches = 0;
  /** Appended after the first fetch, to show a read stops at the high watermark it started with. */
  lateArrivals: string[] = [];

  constructor(private readonly perFetch = 7) {}

  append(key: string, timestamp = Date.now()): number {
    const offset = this.records.length;
    this.records.push({ offset, timestamp, key: Buffer.from(key), value: Buffer.from(`${key}#${offset}`), headers: {} });
    return offset;
  }

  async fetch(offset: number, _maxBytes: number): Promise<LogChunk> {
    this.fetches++;
    const highWatermark = this.records.length;
    const bounds = { highWatermark, logStartOffset: this.logStartOffset };
    const late = this.lateArrivals.splice(0);
    if (offset < this.logStartOffset || offset > highWatermark) return { records: [], nextOffset: offset, scanned: 0, bytes: 0, ...bounds };
    const records = this.records.slice(offset, offset + this.perFetch);
    for (const key of late) this.append(key);
    const bytes = records.reduce((sum, record) => sum + record.value!.length, 0);
    return { records, nextOffset: offset + records.length, scanned: records.length, bytes, ...bounds };
  }

  async watermarks() {
    return { logStartOffset: this.logStartOffset, highWatermark: this.records.length };
  }
}

const LIMITS: ScanLimits = { records: 100_000, bytes: 32 * 1024 * 1024, fetchBytes: 1024 * 1024 };
const rules = (overrides: Partial<ScanRules> = {}): ScanRules => ({
  match: (record) => (record.key?.toString() === 'c' ? ({ channel: 'c', origin: 'n', ts: record.timestamp, frame: record.value!.toString() } satisfies Broadcast) : undefined),
  limit: 1000,
  size: 1000,
  oldestKept: 0,
  ...overrides,
});
const frames = (publications: Broadcast[]) => publications.map((p) => p.frame);

/** `count` publications of `c`, each followed by `others` records of other channels. */
function interleaved(log: MemoryLog, count: number, others: number, timestamp?: number): number[] {
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) {
    offsets.push(log.append('c', timestamp));
    for (let j = 0; j < others; j++) log.append(`other-${j}`, timestamp);
  }
  return offsets;
}

describe('scanFrom', () => {
  it('returns the channel\'s records from an offset on, across fetches, skipping other channels', async () => {
    const log = new MemoryLog();
    const offsets = interleaved(log, 30, 2);
    const result = await scanFrom(log, offsets[10]!, rules(), LIMITS);
    expect(frames(result.publications)).toEqual(offsets.slice(10).map((o) => `c#${o}`));
    expect(result).toMatchObject({ truncated: false, more: false, highWatermark: log.records.length });
    expect(log.fetches).toBeGreaterThan(5);
  });

  it('pages: the oldest `limit` first, `more` when others follow', async () => {
    const log = new MemoryLog();
    const offsets = interleaved(log, 12, 1);
    const result = await scanFrom(log, 0, rules({ limit: 5 }), LIMITS);
    expect(frames(result.publications)).toEqual(offsets.slice(0, 5).map((o) => `c#${o}`));
    expect(result).toMatchObject({ more: true, truncated: false });
  });

  it('stops at the high watermark of its first fetch', async () => {
    const log = new MemoryLog();
    interleaved(log, 5, 3);
    const top = log.records.length;
    log.lateArrivals = ['c', 'c'];
    const result = await scanFrom(log, 0, rules(), LIMITS);
    expect(result.publications).toHaveLength(5);
    expect(result.highWatermark).toBe(top);
  });

  it('emulates a capped history: past `size` publications, the oldest are trimmed and the read is truncated', async () => {
    const log = new MemoryLog();
    const offsets = interleaved(log, 12, 2);
    const old = await scanFrom(log, 0, rules({ size: 5 }), LIMITS);
    expect(old.truncated).toBe(true);
    expect(frames(old.publications)).toEqual(offsets.slice(7).map((o) => `c#${o}`));
    const recent = await scanFrom(log, offsets[7]!, rules({ size: 5 }), LIMITS);
    expect(recent).toMatchObject({ truncated: false, more: false });
    expect(recent.publications).toHaveLength(5);
  });

  it('treats publications older than the TTL as gone: truncated', async () => {
    const log = new MemoryLog();
    interleaved(log, 3, 1, 1000);
    const fresh = interleaved(log, 2, 1, 5000);
    const result = await scanFrom(log, 0, rules({ oldestKept: 2000 }), LIMITS);
    expect(result.truncated).toBe(true);
    expect(frames(result.publications)).toEqual(fresh.map((o) => `c#${o}`));
  });

  it('is truncated when the log no longer starts at the offset (retention, deleteRecords)', async () => {
    const log = new MemoryLog();
    const offsets = interleaved(log, 10, 1);
    log.logStartOffset = offsets[4]!;
    const result = await scanFrom(log, offsets[1]!, rules(), LIMITS);
    expect(result.truncated).toBe(true);
    expect(frames(result.publications)).toEqual(offsets.slice(4).map((o) => `c#${o}`));
    // A reader that had seen everything before the log start misses nothing.
    expect((await scanFrom(log, offsets[4]!, rules(), LIMITS)).truncated).toBe(false);
  });

  it('reads nothing from the top or beyond it (a position from another history of the topic)', async () => {
    const log = new MemoryLog();
    interleaved(log, 3, 1);
    for (const from of [log.records.length, log.records.length + 50]) {
      expect(await scanFrom(log, from, rules(), LIMITS)).toEqual({ publications: [], truncated: false, more: false, highWatermark: log.records.length });
    }
  });

  it('gives up after its budget and says there is more', async () => {
    const log = new MemoryLog(10);
    interleaved(log, 100, 9);
    const result = await scanFrom(log, 0, rules(), { ...LIMITS, records: 250 });
    expect(result.more).toBe(true);
    expect(result.publications.length).toBeGreaterThan(0);
    expect(result.publications.length).toBeLessThan(100);
    expect(log.fetches).toBe(25);
  });
});

describe('scanLatest', () => {
  it('returns the latest `limit`, oldest first, reading back over several windows', async () => {
    const log = new MemoryLog(50);
    const offsets = interleaved(log, 40, 30);
    const result = await scanLatest(log, rules({ limit: 25 }), LIMITS);
    expect(frames(result.publications)).toEqual(offsets.slice(15).map((o) => `c#${o}`));
    expect(result).toMatchObject({ more: true, truncated: false, highWatermark: log.records.length });
  });

  it('says no more when it returned everything, or everything the capped history keeps', async () => {
    const log = new MemoryLog();
    const offsets = interleaved(log, 8, 2);
    expect(await scanLatest(log, rules({ limit: 20 }), LIMITS)).toMatchObject({ more: false });
    const capped = await scanLatest(log, rules({ limit: 20, size: 5 }), LIMITS);
    expect(frames(capped.publications)).toEqual(offsets.slice(3).map((o) => `c#${o}`));
    expect(capped.more).toBe(false);
    expect((await scanLatest(log, rules({ limit: 3, size: 5 }), LIMITS)).more).toBe(true);
  });

  it('leaves out expired publications and does not read further back than them', async () => {
    const log = new MemoryLog();
    interleaved(log, 500, 1, 1000);
    const fresh = interleaved(log, 3, 1, 5000);
    const result = await scanLatest(log, rules({ limit: 10, oldestKept: 2000 }), LIMITS);
    expect(frames(result.publications)).toEqual(fresh.map((o) => `c#${o}`));
    expect(result.more).toBe(false);
    expect(log.fetches).toBeLessThan(150);
  });

  it('handles an empty log and a log whose start moved', async () => {
    const log = new MemoryLog();
    expect(await scanLatest(log, rules({ limit: 3 }), LIMITS)).toEqual({ publications: [], truncated: false, more: false, highWatermark: 0 });
    const offsets = interleaved(log, 10, 1);
    log.logStartOffset = offsets[8]!;
    expect(frames((await scanLatest(log, rules({ limit: 5 }), LIMITS)).publications)).toEqual(offsets.slice(8).map((o) => `c#${o}`));
  });

  it('gives up after its budget with `more`, never returning a gap', async () => {
    const log = new MemoryLog(100);
    const offsets = interleaved(log, 50, 99);
    const result = await scanLatest(log, rules({ limit: 50 }), { ...LIMITS, records: 1500 });
    expect(result.more).toBe(true);
    const got = frames(result.publications);
    expect(got).toEqual(offsets.slice(50 - got.length).map((o) => `c#${o}`));
  });
});

describe('chunkFrom', () => {
  const raw = (offset: number, extra: { isControlRecord?: boolean } = {}) => ({ offset: String(offset), timestamp: '7', key: Buffer.from('k'), value: Buffer.from('vv'), headers: {}, ...extra });

  it('drops records before the offset asked for (a batch that starts earlier) and transaction markers', () => {
    const chunk = chunkFrom([raw(10), raw(11), raw(12), raw(13, { isControlRecord: true }), raw(14), raw(15, { isControlRecord: true })], 12);
    expect(chunk.records.map((record) => record.offset)).toEqual([12, 14]);
    expect(chunk).toMatchObject({ nextOffset: 16, scanned: 4, bytes: 12 });
    expect(chunk.records[0]).toMatchObject({ timestamp: 7 });
  });

  it('stays at the offset when nothing at or after it came back', () => {
    expect(chunkFrom([raw(3)], 9)).toEqual({ records: [], nextOffset: 9, scanned: 0, bytes: 0 });
  });
});
