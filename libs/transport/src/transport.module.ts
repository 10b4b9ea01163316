import { type DynamicModule, Global, Module, type OnApplicationShutdown, type OnModuleInit, type Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { TransportConfig } from '#libs/config';
import { KAFKA_TRANSPORT_OPTIONS } from './kafka/kafka-options.js';
import { KafkaTransport } from './kafka/kafka.transport.js';
import { MemoryTransport } from './memory/memory.transport.js';
import { REDIS_TRANSPORT_OPTIONS } from './redis/redis-options.js';
import { RedisTransport } from './redis/redis.transport.js';
import { TRANSPORT, type Transport } from './transport.js';

function transportProviders(config: TransportConfig): Provider[] {
  switch (config.kind) {
    case 'memory':
      return [{ provide: TRANSPORT, useClass: MemoryTransport }];
    case 'redis':
      return [
        { provide: REDIS_TRANSPORT_OPTIONS, useValue: { url: config.url, prefix: config.prefix } },
        { provide: TRANSPORT, useClass: RedisTransport },
      ];
    case 'kafka': {
      const { kind: _kind, ...options } = config;
      return [
        { provide: KAFKA_TRANSPORT_OPTIONS, useValue: options },
        { provide: TRANSPORT, useClass: KafkaTransport },
      ];
    }
  }
}

/**
 * Binds {@link TRANSPORT} to the backend named by validated configuration, and ties
 * its connection to the application's lifecycle. Modules that need the bus inject
 * the token and never learn which backend is behind it.
 */
@Global()
@Module({})
export class TransportModule implements OnModuleInit, OnApplicationShutdown {
  constructor(private readonly moduleRef: ModuleRef) {}

  static forRoot(config: TransportConfig): DynamicModule {
    return {
      module: TransportModule,
      providers: transportProviders(config),
      exports: [TRANSPORT],
    };
  }

  private get transport(): Transport {
    return this.moduleRef.get<Transport>(TRANSPORT);
  }

  async onModuleInit(): Promise<void> {
    await this.transport.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.transport.stop();
  }
}
