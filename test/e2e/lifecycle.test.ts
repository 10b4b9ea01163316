import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, type GatewayProcess, MAIN, startGatewayProcess } from '../support/gateway-process.js';
import { getJson } from '../support/http.js';
import { startInProcessNode } from '../support/in-process-node.js';
import { TestClient } from '../support/test-client.js';

const run = promisify(execFile);

describe('node lifecycle (the built app, as npm start runs it)', () => {
  const started: GatewayProcess[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((node) => node.kill()));
  });

  it.each([
    ['TRANSPORT', 'pigeon', /TRANSPORT.*pigeon.*allowed: memory, redis, kafka/s],
    ['PORT', 'eighty', /PORT.*eighty/],
    ['MAX_PAYLOAD_BYTES', '-1', /MAX_PAYLOAD_BYTES/],
    ['WS_PATH', 'ws', /WS_PATH.*must be a URL path/],
    ['NODE_ID', 'bad|id', /NODE_ID.*A-Za-z0-9/],
  ])('refuses to start with %s=%s, naming the variable', async (name, value, message) => {
    const failure = await run(process.execPath, [MAIN], { env: { ...process.env, [name]: value } }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(message);
  });

  it('on SIGTERM: closes every client with 1012 and exits 0', async () => {
    const node = await startGatewayProcess({ SHUTDOWN_TIMEOUT_MS: '5000' });
    started.push(node);
    const clients = await Promise.all([1, 2, 3].map(() => TestClient.connect(node.ws)));
    await clients[0]!.subscribe('bye');
    node.process.child.kill('SIGTERM');
    const closes = await Promise.all(clients.map((client) => client.closed));
    expect(closes.map((close) => close.code)).toEqual([1012, 1012, 1012]);
    const exit = await node.process.exited;
    expect(exit).toMatchObject({ code: 0, signal: null });
  });

  it('terminates a client that stops answering pings', async () => {
    const node = await startInProcessNode({ WS_PING_INTERVAL_MS: '1000' });
    try {
      const deaf = await TestClient.connect(node.ws, { autoPong: false });
      const healthy = await TestClient.connect(node.ws);
      const closed = await deaf.closed;
      expect(closed.code).toBe(1006); // terminated: no close frame, by design for dead peers
      expect(await healthy.request('echo', 'alive')).toMatchObject({ data: 'alive' });
      healthy.close();
    } finally {
      await node.close();
    }
  });

  it('reports not ready and refuses upgrades with 503 while draining', async () => {
    const node = await startGatewayProcess({ SHUTDOWN_TIMEOUT_MS: '5000' });
    started.push(node);
    const client = await TestClient.connect(node.ws, { autoPong: true });
    // Hold the drain open: this client ignores the close frame until we let it go.
    client.socket.pause();
    node.process.child.kill('SIGTERM');
    const ready = await eventually(async () => {
      const response = await getJson(`${node.http}/health/ready`).catch(() => undefined);
      return response?.status === 503 ? response.body : undefined;
    }, 5000, 20);
    expect(ready.error.drain).toEqual({ status: 'down', draining: true });
    await expect(TestClient.connect(node.ws)).rejects.toThrow(/HTTP 503/);
    client.socket.resume();
    expect((await client.closed).code).toBe(1012);
    expect((await node.process.exited).code).toBe(0);
  });
});
