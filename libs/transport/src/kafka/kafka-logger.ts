import { Logger } from '@nestjs/common';
import kafkajs, { type logCreator } from 'kafkajs';

const { logLevel } = kafkajs;
/** The same line repeats for every retry during an outage; say it once per window. */
const REPEAT_WINDOW_MS = 10_000;

/** Routes kafkajs' log lines into the app's logger, warnings and worse only, without the retry flood. */
export const kafkaLogCreator: logCreator = () => {
  const logger = new Logger('Kafka');
  const lastSaid = new Map<string, number>();
  return ({ level, log }) => {
    const text = `${log.message}${log.error ? `: ${String(log.error)}` : ''}`;
    const now = Date.now();
    if ((lastSaid.get(text) ?? 0) > now - REPEAT_WINDOW_MS) return;
    lastSaid.set(text, now);
    if (lastSaid.size > 1000) lastSaid.clear();
    if (level === logLevel.ERROR) logger.warn(text);
    else if (level === logLevel.WARN) logger.warn(text);
  };
};

/**
 * For the history log reader: a fetch before the log's start is how a read learns that
 * retention removed what a subscriber missed (it answers `truncated`), not a fault.
 */
export const logReaderLogCreator: logCreator = (level) => {
  const log = kafkaLogCreator(level);
  return (entry) => {
    if (entry.log.message.startsWith('Response Fetch') && /not within the range of offsets/.test(String(entry.log.error))) return;
    log(entry);
  };
};
