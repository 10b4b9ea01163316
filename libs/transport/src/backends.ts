import type { TransportBackend } from './backend.js';
import { kafkaBackend } from './kafka/kafka.backend.js';
import { memoryBackend } from './memory/memory.backend.js';
import { redisBackend } from './redis/redis.backend.js';

/**
 * Every backend `TRANSPORT` may name. Adding one is a folder under libs/transport/src/
 * with a descriptor (see `TransportBackend`), one entry here, and a fixture in
 * test/contract/fixtures/ so the contract suites run it against its real server.
 */
export const transportBackends = {
  memory: memoryBackend,
  redis: redisBackend,
  kafka: kafkaBackend,
} as const satisfies Record<string, TransportBackend<any, any>>;

export type TransportName = keyof typeof transportBackends;
export const TRANSPORT_NAMES = Object.keys(transportBackends) as [TransportName, ...TransportName[]];

type OptionsOf<B> = B extends TransportBackend<any, infer Options> ? Options : never;
/** The backend chosen by configuration, with its validated options. */
export type TransportSelection = { [K in TransportName]: { kind: K; options: OptionsOf<(typeof transportBackends)[K]> } }[TransportName];
