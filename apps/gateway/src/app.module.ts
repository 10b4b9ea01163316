import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import { AdminModule } from '#libs/admin';
import { AuthModule } from '#libs/auth';
import { ClusterModule } from '#libs/cluster';
import { ConfigModule, type SwitchboardConfig } from '#libs/config';
import { GatewayModule, HttpErrorFilter } from '#libs/gateway';
import { HealthModule } from '#libs/health';
import { LoadBalancerModule } from '#libs/loadbalancer';
import { MetricsModule } from '#libs/metrics';
import { TransportModule } from '#libs/transport';
import { loggerOptions } from './logger.options.js';

/**
 * One gateway node: each capability is a lib; this module only wires them to one config,
 * and registers the one HTTP exception filter for every controller of every lib (and for
 * unknown routes and body-parser errors): every HTTP error answers `{statusCode, code, message}`.
 */
@Module({})
export class AppModule {
  static forRoot(config: SwitchboardConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerOptions(config)),
        TransportModule,
        HealthModule,
        AuthModule,
        MetricsModule,
        ClusterModule,
        GatewayModule,
        LoadBalancerModule,
        AdminModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: HttpErrorFilter }],
    };
  }
}
