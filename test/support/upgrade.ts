import { WebSocket, type ClientOptions } from 'ws';

/** Attempts an upgrade and reports the HTTP status it was refused with, or 101 when it opened. */
export function upgradeStatus(url: string, options: ClientOptions & { protocols?: string[] } = {}): Promise<{ status: number; body: string; socket?: WebSocket }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, options.protocols, options);
    socket.once('open', () => resolve({ status: 101, body: '', socket }));
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    socket.once('error', (error) => resolve({ status: 0, body: error.message }));
  });
}
