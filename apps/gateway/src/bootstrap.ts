import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import type { SwitchboardConfig } from '#libs/config';
import { enforceHandshakeDeadline, SwitchboardWsAdapter } from '#libs/gateway';
import { setupApiDocs } from './api-docs.js';
import { AppModule } from './app.module.js';

/** Builds a node ready to `listen`; used by main.ts and by the end-to-end tests. */
export async function createGatewayApp(config: SwitchboardConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.useBodyParser('json', { limit: config.gateway.maxPayloadBytes + 1024 });
  app.useWebSocketAdapter(new SwitchboardWsAdapter(app));
  setupApiDocs(app, config);
  enforceHandshakeDeadline(app.getHttpServer(), config.limits.httpHeadersTimeoutMs);
  return app;
}
