import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { createGatewayApp } from '../../apps/gateway/src/bootstrap.js';
import { loadConfig } from '#libs/config';

export interface InProcessNode {
  app: INestApplication;
  port: number;
  http: string;
  ws: string;
  close(): Promise<void>;
}

/** Boots the real app inside the test process on a free port. */
export async function startInProcessNode(env: Record<string, string> = {}): Promise<InProcessNode> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env });
  const app = await createGatewayApp(config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    port,
    http: `http://127.0.0.1:${port}`,
    ws: `ws://127.0.0.1:${port}${config.gateway.path}`,
    close: () => app.close(),
  };
}
