import { connect } from 'node:net';
import { WebSocket } from 'ws';

/** One HAProxy-style agent check: connect, read until the node closes, return the line. */
export function readAgent(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let text = '';
    socket.setTimeout(5000, () => socket.destroy(new Error(`agent on ${port} did not answer`)));
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.once('end', () => resolve(text));
    socket.once('error', reject);
  });
}

/** The weight in an agent's `ready up N%` answer, or undefined for any other answer. */
export function agentWeightOf(reply: string): number | undefined {
  const match = /^ready up (\d+)%\n$/.exec(reply);
  return match ? Number(match[1]) : undefined;
}

/** Attempts an upgrade that should be refused; resolves with the HTTP status and headers. */
export function refusedUpgrade(url: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.once('open', () => {
      socket.close();
      reject(new Error(`upgrade to ${url} was accepted`));
    });
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    socket.once('error', (error) => reject(error));
  });
}
