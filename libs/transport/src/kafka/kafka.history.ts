import type { Broadcast, StreamPosition } from '../capabilities/broadcast.js';
import { TransportUnavailableError } from '../capabilities/errors.js';
import type { ChannelHistory, HistoryOptions, HistoryPage, HistoryQuery } from '../capabilities/history.js';
import { decodeBroadcast } from '../codec/bus-codec.js';
import { DEFAULT_SCAN_LIMITS, type PartitionLog, scanFrom, scanLatest, type ScanLimits, type ScanRules } from './history-scan.js';
import type { LogRecord } from './kafka-log-reader.js';
import type { HistoryLog, KafkaTransport } from './kafka.transport.js';
import { firstLogOffsetAfter, streamOffsetOf, topOf } from './log-positions.js';
import { HISTORY_HEADER } from './record-headers.js';
import { PROBE_HEADER } from './round-trip-probe.js';

/**
 * History on Kafka: the broadcast topic's log **is** the history. A publication is one
 * produce to the channel's partition, and its position is its log offset there (see
 * log-positions.ts), so the live broadcast and the stored publication are the same record
 * and cannot disagree. Reads fetch the channel's partition back and keep the channel's
 * records; they survive the restart of any node, or of all of them, for as long as the
 * topic's retention keeps the records.
 *
 * The namespace's `size` and `ttlSeconds` are applied when reading (Kafka keeps every
 * record until retention): only the channel's latest `size` publications younger than
 * `ttlSeconds` are returned, and a reader who missed older ones is told `truncated`, as
 * with Redis' capped streams, so clients see one behaviour on every backend.
 */
export class KafkaHistory implements ChannelHistory {
  constructor(
    private readonly bus: KafkaTransport,
    private readonly limits: ScanLimits = DEFAULT_SCAN_LIMITS,
  ) {}

  publish(message: Broadcast, _options: HistoryOptions): Promise<StreamPosition> {
    return this.bus.publishToHistory(message);
  }

  async position(channel: string, _options: HistoryOptions): Promise<StreamPosition> {
    const log = this.bus.historyLog();
    const highWatermark = await unavailableOnError('position', () => log.reader.highWatermark(log.topic, log.partitionOf(channel)));
    return { offset: topOf(highWatermark), epoch: log.epoch };
  }

  async read(channel: string, query: HistoryQuery, options: HistoryOptions): Promise<HistoryPage> {
    const log = this.bus.historyLog();
    const partition = log.partitionOf(channel);
    const source: PartitionLog = {
      fetch: (offset, maxBytes) => log.reader.fetch(log.topic, partition, offset, maxBytes),
      watermarks: () => log.reader.watermarks(log.topic, partition),
    };
    const rules: ScanRules = { match: matcher(channel, log), limit: query.limit, size: options.size, oldestKept: Date.now() - options.ttlSeconds * 1000 };
    const since = query.since;
    const result = await unavailableOnError('history read', () =>
      since === undefined ? scanLatest(source, rules, this.limits) : scanFrom(source, firstLogOffsetAfter(since), rules, this.limits),
    );
    return { publications: result.publications, position: { offset: topOf(result.highWatermark), epoch: log.epoch }, truncated: result.truncated, more: result.more };
  }
}

/** The channel's history publications; other channels, plain broadcasts, probes and undecodable records are skipped. */
function matcher(channel: string, log: HistoryLog): ScanRules['match'] {
  const key = Buffer.from(channel, 'utf8');
  return (record: LogRecord) => {
    if (!record.value || !record.key?.equals(key)) return undefined;
    if (record.headers[HISTORY_HEADER] === undefined || record.headers[PROBE_HEADER] !== undefined) return undefined;
    const position = { offset: streamOffsetOf(record.offset), epoch: log.epoch };
    const broadcast = decodeBroadcast(channel, record.value.toString('utf8'), position);
    if (broadcast) broadcast.position = position;
    return broadcast;
  };
}

async function unavailableOnError<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof TransportUnavailableError) throw error;
    throw new TransportUnavailableError(`kafka ${what} failed: ${(error as Error).message}`, { cause: error });
  }
}
