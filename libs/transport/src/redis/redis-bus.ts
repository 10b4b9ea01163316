import type { Cluster, Redis } from 'ioredis';
import type { RedisKeys } from './redis-keys.js';

/** The command side of a Redis transport, as the history capability uses it. */
export interface RedisCommandBus {
  readonly keys: RedisKeys;
  /** The command connection (a Redis, or a Cluster that routes by key slot), for defining scripts on it. */
  readonly commands: Redis | Cluster;
  /** `spublish` in Redis Cluster (sharded pub/sub), `publish` elsewhere. */
  readonly publishCommand: 'publish' | 'spublish';
  /** Whether epochs are bound to the master's replication ID (see history-scripts.ts): where replicas can take over. */
  readonly guardsEpochs: boolean;
  /**
   * Runs one command, failing fast with `TransportUnavailableError` when Redis (or, in
   * a cluster, the shard that owns `channel`) is not there.
   */
  run<T>(what: string, command: () => Promise<T>, channel?: string): Promise<T>;
}
