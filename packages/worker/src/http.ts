import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseMessage } from './contract.ts';
import type { Dispatcher, EventHandler } from './dispatch.ts';

export interface HttpWorkerOptions {
  /** 0: a free port (see the returned `port`). */
  port: number;
  host?: string;
  /** When set, requests must carry `Authorization: Bearer <token>` (the gateway's RPC_HTTP_TOKEN). */
  token?: string;
  /** Largest request body accepted. Default 8 MiB. */
  maxBodyBytes?: number;
}

/**
 * The HTTP backend's other end: a server answering each `POST` of a request envelope with
 * `200` and the reply envelope as its body, and each event with `204`. Any path.
 */
export async function serveHttp(dispatcher: Dispatcher, options: HttpWorkerOptions, onEvent?: EventHandler): Promise<{ port: number; stop(): Promise<void> }> {
  const maxBody = options.maxBodyBytes ?? 8 * 1024 * 1024;
  const server: Server = createServer((request, response) => {
    if (request.method !== 'POST') {
      response.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    if (options.token && request.headers.authorization !== `Bearer ${options.token}`) {
      response.writeHead(401).end();
      return;
    }
    readBody(request, maxBody).then(
      async (body) => {
        const message = parseMessage(body);
        if ('invalid' in message) {
          dispatcher.stats.invalid++;
          response.writeHead(400, { 'content-type': 'text/plain' }).end(message.invalid);
          return;
        }
        if (message.type === 'event') {
          await onEvent?.(message);
          response.writeHead(204).end();
          return;
        }
        const reply = await dispatcher.handle(message, false);
        if (!reply) {
          response.writeHead(504).end();
          return;
        }
        const text = JSON.stringify(reply);
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
      },
      () => {
        if (!response.headersSent) response.writeHead(413).end();
      },
    );
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function readBody(request: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        reject(new Error('too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}
