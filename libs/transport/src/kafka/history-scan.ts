import type { Broadcast } from '../capabilities/broadcast.js';
import type { LogChunk, LogRecord, Watermarks } from './kafka-log-reader.js';

/**
 * How history reads walk one partition of the broadcast topic. A channel shares its
 * partition with others, so a read looks at every record in its range and keeps the
 * channel's; what it may look at is bounded by a budget. Pure logic over a
 * `PartitionLog`: history-scan.spec.ts runs it against a log in memory.
 *
 * Everything here is in log offsets; kafka.history.ts maps them to stream positions.
 */

/** One partition's log, as the scans need it. */
export interface PartitionLog {
  fetch(offset: number, maxBytes: number): Promise<LogChunk>;
  watermarks(): Promise<Watermarks>;
}

export interface ScanLimits {
  /** Records one read may look at, the channel's and others'. */
  records: number;
  /** Key and value bytes one read may look at. */
  bytes: number;
  /** Bytes asked for per fetch. */
  fetchBytes: number;
}

export const DEFAULT_SCAN_LIMITS: ScanLimits = { records: 100_000, bytes: 32 * 1024 * 1024, fetchBytes: 1024 * 1024 };

export interface ScanRules {
  /** The channel's publication in `record`, or undefined for anything else (other channels, probes, undecodable records). */
  match(record: LogRecord): Broadcast | undefined;
  /** At most this many publications returned. */
  limit: number;
  /** The history keeps the channel's latest `size` publications; older ones count as trimmed. */
  size: number;
  /** Publications with an older timestamp (ms) count as expired. */
  oldestKept: number;
}

export interface ScanResult {
  publications: Broadcast[];
  truncated: boolean;
  more: boolean;
  /** The partition's high watermark the read went up to. */
  highWatermark: number;
}

/**
 * The channel's publications from log offset `from` (inclusive) up to the high watermark
 * seen by the first fetch, oldest first. The whole range is read even past `limit`: only
 * the channel's count after `from` tells whether the capped history (latest `size`) still
 * holds the oldest of them.
 */
export async function scanFrom(log: PartitionLog, from: number, rules: ScanRules, limits: ScanLimits): Promise<ScanResult> {
  const budget = new Budget(limits);
  const kept = new Latest<Broadcast>(rules.size);
  let truncated = false;
  let gaveUp = false;
  let offset = from;
  let top: number | undefined;
  for (;;) {
    const chunk = await log.fetch(offset, budget.fetchBytes());
    top ??= chunk.highWatermark;
    if (offset >= top) break;
    if (offset < chunk.logStartOffset) {
      // Retention or deleteRecords removed records after `from`: maybe the channel's.
      truncated = true;
      offset = chunk.logStartOffset;
      continue;
    }
    for (const record of chunk.records) {
      if (record.offset >= top) break;
      const publication = rules.match(record);
      if (!publication) continue;
      if (record.timestamp < rules.oldestKept) truncated = true;
      else kept.push(publication);
    }
    budget.spend(chunk);
    if (chunk.nextOffset <= offset) {
      gaveUp = true; // no progress: nothing readable at `offset` (should not happen on a delete-policy topic)
      break;
    }
    offset = chunk.nextOffset;
    if (offset >= top) break;
    if (budget.spent()) {
      gaveUp = true;
      break;
    }
  }
  const window = kept.values();
  return { publications: window.slice(0, rules.limit), truncated: truncated || kept.dropped > 0, more: window.length > rules.limit || gaveUp, highWatermark: top };
}

/**
 * The channel's latest `limit` publications (of its latest `size`), oldest first: reads
 * windows backwards from the high watermark, each twice as wide as the one before, until
 * it has one more than it returns (that one says `more`), reaches the log's start or the
 * expired records, or runs out of budget.
 */
export async function scanLatest(log: PartitionLog, rules: ScanRules, limits: ScanLimits): Promise<ScanResult> {
  const budget = new Budget(limits);
  const { logStartOffset, highWatermark } = await log.watermarks();
  const wanted = Math.min(rules.limit, rules.size);
  const enough = wanted < rules.size ? wanted + 1 : wanted;
  let newest: Broadcast[] = [];
  let end = highWatermark;
  let span = Math.max(256, enough * 4);
  let gaveUp = false;
  while (newest.length < enough && end > logStartOffset) {
    if (budget.spent()) {
      gaveUp = true;
      break;
    }
    const start = Math.max(logStartOffset, end - span);
    const window = await scanWindow(log, start, end, rules, budget);
    if (!window) {
      gaveUp = true;
      break;
    }
    newest = window.publications.concat(newest);
    // Timestamps grow along the log: past an expired publication, everything is older.
    if (window.expired) break;
    end = start;
    span *= 2;
  }
  const publications = wanted === 0 ? [] : newest.slice(-wanted);
  const kept = Math.min(newest.length, rules.size);
  return { publications, truncated: false, more: kept > publications.length || gaveUp, highWatermark };
}

/** The channel's publications in [start, end); undefined when the budget ran out first. */
async function scanWindow(log: PartitionLog, start: number, end: number, rules: ScanRules, budget: Budget): Promise<{ publications: Broadcast[]; expired: boolean } | undefined> {
  const publications: Broadcast[] = [];
  let expired = false;
  let offset = start;
  while (offset < end) {
    const chunk = await log.fetch(offset, budget.fetchBytes());
    if (offset < chunk.logStartOffset) {
      offset = chunk.logStartOffset;
      continue;
    }
    for (const record of chunk.records) {
      if (record.offset >= end) break;
      const publication = rules.match(record);
      if (!publication) continue;
      if (record.timestamp < rules.oldestKept) expired = true;
      else publications.push(publication);
    }
    budget.spend(chunk);
    if (chunk.nextOffset <= offset) return undefined;
    offset = chunk.nextOffset;
    if (offset < end && budget.spent()) return undefined;
  }
  return { publications, expired };
}

class Budget {
  private records = 0;
  private bytes = 0;
  constructor(private readonly limits: ScanLimits) {}

  spend(chunk: LogChunk): void {
    this.records += chunk.scanned;
    this.bytes += chunk.bytes;
  }

  spent(): boolean {
    return this.records >= this.limits.records || this.bytes >= this.limits.bytes;
  }

  /** Never asks for much more than the budget has left (but enough for a record batch or two). */
  fetchBytes(): number {
    return Math.max(64 * 1024, Math.min(this.limits.fetchBytes, this.limits.bytes - this.bytes));
  }
}

/** The last `capacity` items pushed, and how many older ones fell out. */
class Latest<T> {
  private items: T[] = [];
  private head = 0;
  dropped = 0;
  constructor(private readonly capacity: number) {}

  push(item: T): void {
    this.items.push(item);
    if (this.items.length - this.head > this.capacity) {
      this.head++;
      this.dropped++;
      if (this.head > 1024 && this.head * 2 > this.items.length) {
        this.items = this.items.slice(this.head);
        this.head = 0;
      }
    }
  }

  values(): T[] {
    return this.items.slice(this.head);
  }
}
