import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { ClusterModule } from '#libs/cluster';
import { ConfigModule, type SwitchboardConfig } from '#libs/config';
import { GatewayModule } from '#libs/gateway';
import { HealthModule } from '#libs/health';
import { MetricsModule } from '#libs/metrics';
import { TransportModule } from '#libs/transport';

/** One gateway node: each capability is a lib; this module only wires them to one config. */
@Module({})
export class AppModule {
  static forRoot(config: SwitchboardConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            level: config.logLevel,
            base: { node: config.nodeId },
            // Credentials never reach the logs, whichever header or query parameter carried them.
            redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["sec-websocket-protocol"]', 'req.query.access_token'],
            // Health polls and scrapes arrive every few seconds; logging them would drown the rest.
            autoLogging: { ignore: (request) => /^\/(health|metrics)/.test(request.url ?? '') },
          },
        }),
        TransportModule.forRoot(config.transport),
        HealthModule,
        MetricsModule,
        ClusterModule,
        GatewayModule,
      ],
    };
  }
}
