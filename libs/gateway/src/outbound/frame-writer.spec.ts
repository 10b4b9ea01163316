import { createServer, type Server, type Socket, connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrameWriter } from './frame-writer.js';

describe('FrameWriter', () => {
  let server: Server;
  let received = Buffer.alloc(0);
  let client: Socket;
  beforeAll(async () => {
    server = createServer((socket) => socket.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk]))));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = connect((server.address() as { port: number }).port, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
  });
  afterAll(() => {
    client.destroy();
    server.close();
  });

  it('holds a tick\'s writes corked and flushes them, in order, once the tick ends', async () => {
    const writer = new FrameWriter();
    writer.write(client, Buffer.from('a'));
    writer.write(client, Buffer.from('b'));
    expect(client.writableCorked).toBe(1);
    expect(client.writableLength).toBe(2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(client.writableCorked).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(received.toString()).toBe('ab');
  });

  it('flushes early once a socket holds 64 KiB, so buffered bytes stay small', () => {
    const writer = new FrameWriter();
    writer.write(client, Buffer.alloc(40 * 1024));
    expect(client.writableCorked).toBe(1);
    writer.write(client, Buffer.alloc(40 * 1024));
    expect(client.writableCorked).toBe(0);
  });
});
