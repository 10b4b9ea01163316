import { type DynamicModule, Global, Inject, Module } from '@nestjs/common';
import { RPC_CONFIG } from '#libs/rpc';
import { TRANSPORT_SELECTION } from '#libs/transport';
import { CONFIG, type SwitchboardConfig } from './config.js';

/**
 * Makes the validated configuration injectable with `@InjectConfig()`, and hands the
 * transport module its backend selection (and the RPC module its config). The one global module: configuration is
 * ambient (as with @nestjs/config's `isGlobal`); every other dependency between modules
 * is an explicit import.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: SwitchboardConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: CONFIG, useValue: config },
        { provide: TRANSPORT_SELECTION, useValue: config.transport },
        { provide: RPC_CONFIG, useValue: config.rpc },
      ],
      exports: [CONFIG, TRANSPORT_SELECTION, RPC_CONFIG],
    };
  }
}

export const InjectConfig = (): ParameterDecorator => Inject(CONFIG);
