import { Inject, Logger, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { TransportCapabilities } from './backend.js';
import { transportBackends, type TransportSelection } from './backends.js';
import { TRANSPORT, type Transport } from './capabilities/broadcast.js';
import { HISTORY } from './capabilities/history.js';
import { PRESENCE } from './capabilities/presence.js';

/**
 * The backend chosen by configuration (`TRANSPORT` and that backend's variables),
 * provided by the config module.
 */
export const TRANSPORT_SELECTION = Symbol('SWITCHBOARD_TRANSPORT_SELECTION');
const CAPABILITIES = Symbol('SWITCHBOARD_TRANSPORT_CAPABILITIES');

/**
 * Binds each capability token to the chosen backend: {@link TRANSPORT} (broadcast, every
 * backend), {@link HISTORY} and {@link PRESENCE} (`null` for a backend without them). The backend's client
 * library is loaded here, by its factory, and only for the chosen backend. Ties the
 * bus's connection to the application's lifecycle. Modules that need the bus import
 * this module and inject the tokens; they never learn which backend is behind them.
 */
@Module({
  providers: [
    {
      provide: CAPABILITIES,
      inject: [TRANSPORT_SELECTION],
      useFactory: async (selection: TransportSelection): Promise<TransportCapabilities> => {
        const backend = transportBackends[selection.kind] as (typeof transportBackends)[TransportSelection['kind']] & {
          create(options: unknown): Promise<TransportCapabilities>;
          describe(options: unknown): string;
        };
        new Logger('TransportModule').log(`transport ${backend.name}: ${backend.describe(selection.options)}`);
        return backend.create(selection.options);
      },
    },
    { provide: TRANSPORT, inject: [CAPABILITIES], useFactory: (capabilities: TransportCapabilities) => capabilities.bus },
    { provide: HISTORY, inject: [CAPABILITIES], useFactory: (capabilities: TransportCapabilities) => capabilities.history ?? null },
    { provide: PRESENCE, inject: [CAPABILITIES], useFactory: (capabilities: TransportCapabilities) => capabilities.presence ?? null },
  ],
  exports: [TRANSPORT, HISTORY, PRESENCE],
})
export class TransportModule implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(TRANSPORT) private readonly transport: Transport) {}

  async onModuleInit(): Promise<void> {
    await this.transport.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.transport.stop();
  }
}
