import { type KafkaBroker, startKafka } from '../../test/infra/kafka-broker.js';
import { type RedisServer, startRedis } from '../../test/infra/redis-server.js';
import { onCleanup } from './cleanup.js';
import type { Watched } from './proc-stats.js';

/**
 * The bus between nodes, a real server on a free loopback port started by the bench
 * through test/infra (the same harness the multi-node tests use): one fresh server per
 * server-under-test run, so no run inherits another's state.
 */
export type BusKind = 'none' | 'redis' | 'kafka';

export interface Bus {
  kind: BusKind;
  /** redis://127.0.0.1:PORT for Redis. */
  url?: string;
  /** 127.0.0.1:PORT for Kafka. */
  brokers?: string;
  watched: Watched[];
  stop(): Promise<void>;
}

export async function startBus(kind: BusKind): Promise<Bus> {
  if (kind === 'none') return { kind, watched: [], stop: async () => undefined };
  if (kind === 'redis') {
    const redis: RedisServer = await startRedis();
    const unregister = onCleanup('redis-server', () => redis.stop());
    const pid = await pidOfListener(redis.port);
    return {
      kind,
      url: redis.url,
      watched: pid ? [{ role: 'bus', name: 'redis-server', pid }] : [],
      stop: async () => {
        unregister();
        await redis.stop();
      },
    };
  }
  // A few partitions like the multi-node suite; the broadcast topic is created by the first node.
  const kafka: KafkaBroker = await startKafka({ partitions: 3 });
  const unregister = onCleanup('kafka', () => kafka.stop());
  const pid = await pidOfListener(kafka.port);
  return {
    kind,
    brokers: kafka.brokers,
    watched: pid ? [{ role: 'bus', name: 'kafka', pid }] : [],
    stop: async () => {
      unregister();
      await kafka.stop();
    },
  };
}

/** The pid listening on 127.0.0.1:port (test/infra does not expose it), from /proc/net/tcp + fds. */
async function pidOfListener(port: number): Promise<number | undefined> {
  const { readFileSync, readdirSync, readlinkSync } = await import('node:fs');
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        // local_address is HEXIP:HEXPORT; state 0A = LISTEN; inode is column 9
        if (cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A' && cols[9]) inodes.add(cols[9]);
      }
    } catch {
      // no IPv6
    }
  }
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const m = /^socket:\[(\d+)\]$/.exec(link);
        if (m && inodes.has(m[1]!)) return Number(pid);
      }
    } catch {
      // process gone or not ours to read
    }
  }
  return undefined;
}
