import { type DynamicModule, Global, Inject, Module } from '@nestjs/common';
import { CONFIG, type SwitchboardConfig } from './config.js';

/** Makes the validated configuration injectable everywhere with `@InjectConfig()`. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: SwitchboardConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: CONFIG, useValue: config }],
      exports: [CONFIG],
    };
  }
}

export const InjectConfig = (): ParameterDecorator => Inject(CONFIG);
