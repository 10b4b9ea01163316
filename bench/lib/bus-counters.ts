import type { Bus } from './buses.js';

/**
 * What the bus itself counted, read from the bench's own bus server between two points
 * of a run (never a shared one: buses.ts starts a fresh server per run):
 *
 * - Redis: `INFO commandstats`, calls per command. Commands a Lua script runs (EVALSHA's
 *   HINCRBY, XADD, PUBLISH…) are counted there too, under their own names, so a script's
 *   PUBLISH shows up in `publish` as well as in `evalsha`.
 * - Kafka: records appended, as the sum of the high watermarks of every partition of
 *   every topic (a produce request is not counted by anything a client can read cheaply).
 */
export interface BusCounters {
  read(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export async function busCounters(bus: Bus): Promise<BusCounters | undefined> {
  if (bus.kind === 'redis' && bus.url) {
    const { Redis } = await import('ioredis');
    const redis = new Redis(bus.url, { maxRetriesPerRequest: 1, connectionName: 'bench-counters' });
    return {
      async read() {
        const counts: Record<string, number> = {};
        for (const match of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) counts[match[1]!] = Number(match[2]);
        return counts;
      },
      async close() {
        await redis.quit().catch(() => redis.disconnect());
      },
    };
  }
  if (bus.kind === 'kafka' && bus.brokers) {
    const kafkajs = (await import('kafkajs')).default;
    const admin = new kafkajs.Kafka({ clientId: 'bench-counters', brokers: bus.brokers.split(','), logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    return {
      async read() {
        const counts: Record<string, number> = {};
        for (const topic of await admin.listTopics()) {
          if (topic.startsWith('__')) continue; // the broker's own (consumer offsets…)
          const partitions = await admin.fetchTopicOffsets(topic);
          counts[`records:${topic}`] = partitions.reduce((sum, p) => sum + Number(p.high), 0);
        }
        return counts;
      },
      async close() {
        await admin.disconnect().catch(() => undefined);
      },
    };
  }
  return undefined;
}

/** after − before per key, leaving out keys that did not move. */
export function countersBetween(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    const d = value - (before[key] ?? 0);
    if (d !== 0) delta[key] = d;
  }
  return delta;
}
