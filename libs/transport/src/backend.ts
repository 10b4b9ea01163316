import type { z } from 'zod';
import type { Transport } from './capabilities/broadcast.js';
import type { ChannelHistory } from './capabilities/history.js';
import type { ChannelPresence } from './capabilities/presence.js';

/** What a backend provides: the broadcast bus always, other capabilities where it has them. */
export interface TransportCapabilities {
  bus: Transport;
  history?: ChannelHistory;
  presence?: ChannelPresence;
}

/**
 * One backend of the bus. Everything about it lives in its folder: this descriptor (its
 * env schema, how env becomes options, its factory), the classes, their tests. The table
 * in `backends.ts` lists the backends; config and the module read only that table.
 *
 * The descriptor must not import the backend's client library: `create` loads it with a
 * dynamic `import()`, so a node on `memory` never loads ioredis or kafkajs (the way
 * `@nestjs/microservices` loads broker packages only when chosen).
 */
export interface TransportBackend<Schema extends z.ZodObject = z.ZodObject, Options = unknown> {
  readonly name: string;
  /** The backend's environment variables; validated only when `TRANSPORT` names it. */
  readonly env: Schema;
  /** Validated variables → the options `create` takes. */
  options(env: z.infer<Schema>): Options;
  /** Where it connects, for start-up logs (credentials redacted). */
  describe(options: Options): string;
  /** Loads the client library and builds the capabilities; they are not started yet. */
  create(options: Options): Promise<TransportCapabilities>;
}

/** Keeps each descriptor's own types while checking it against {@link TransportBackend}. */
export const defineBackend = <Schema extends z.ZodObject, Options>(backend: TransportBackend<Schema, Options>): TransportBackend<Schema, Options> => backend;
