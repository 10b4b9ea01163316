import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type GatewayProcess, startGatewayProcess } from '../support/gateway-process.js';
import { getJson } from '../support/http.js';
import { isMessageOn, TestClient } from '../support/test-client.js';

const MESSAGES = 2000;
const PAYLOAD = 'x'.repeat(16 * 1024);
const MiB = 1024 * 1024;

async function residentBytes(node: GatewayProcess): Promise<number> {
  const text = await (await fetch(`${node.http}/metrics`)).text();
  return Number(/^switchboard_process_resident_memory_bytes (\d+)/m.exec(text)?.[1]);
}

describe('a client that stops reading', () => {
  let node: GatewayProcess;
  beforeAll(async () => {
    node = await startGatewayProcess({ MAX_BUFFERED_BYTES: String(MiB), WRITE_TIMEOUT_MS: '3000', RATE_LIMIT_PER_SEC: '100000', RATE_LIMIT_BURST: '100000' });
  });
  afterAll(() => node.kill());

  it('is cut off once its buffer passes MAX_BUFFERED_BYTES; node memory stays bounded and the others get every message', async () => {
    const fast = await TestClient.connect(node.ws);
    const stalled = await TestClient.connect(node.ws);
    const publisher = await TestClient.connect(node.ws);
    await fast.subscribe('flood');
    await stalled.subscribe('flood');
    // Stop reading at the TCP level: the kernel buffers fill, then the node's.
    (stalled.socket as unknown as { _socket: { pause(): void } })._socket.pause();

    const baseline = await residentBytes(node);
    let peak = baseline;
    const sampler = setInterval(() => void residentBytes(node).then((rss) => (peak = Math.max(peak, rss)), () => undefined), 50);
    for (let i = 0; i < MESSAGES; i++) {
      publisher.send({ event: 'publish', data: { channel: 'flood', payload: { i, PAYLOAD } } });
      if (i % 100 === 99) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const received = await fast.collect(isMessageOn('flood'), MESSAGES, 60_000);
    clearInterval(sampler);
    expect(received.map((frame) => frame.data.payload.i)).toEqual([...Array(MESSAGES).keys()]);

    // The stalled client is gone from the node (closed with 4008, then cut since it reads nothing).
    await eventually(async () => (await getJson(`${node.http}/api/overview`)).body.connections === 2, 10_000);
    const metrics = await (await fetch(`${node.http}/metrics`)).text();
    const growthMiB = (peak - baseline) / MiB;
    const publishedMiB = (MESSAGES * PAYLOAD.length) / MiB;
    console.log(`[slow consumer] published ${publishedMiB.toFixed(0)} MiB; node RSS ${Math.round(baseline / MiB)} MiB → peak ${Math.round(peak / MiB)} MiB (+${growthMiB.toFixed(1)} MiB) with a stalled client`);
    // Unbounded buffering would hold everything published for the stalled client.
    expect(growthMiB).toBeLessThan(publishedMiB / 2);
    expect(metrics).toMatch(/switchboard_slow_consumer_closes_total\{[^}]*\} [1-9]/);
    fast.close();
    publisher.close();
  });

  it('terminates a client whose writes make no progress for WRITE_TIMEOUT_MS, even below the buffer limit', async () => {
    const patient = await startGatewayProcess({ MAX_BUFFERED_BYTES: String(256 * MiB), WRITE_TIMEOUT_MS: '1000', RATE_LIMIT_PER_SEC: '100000', RATE_LIMIT_BURST: '100000' });
    try {
      const stalled = await TestClient.connect(patient.ws);
      const publisher = await TestClient.connect(patient.ws);
      await stalled.subscribe('trickle');
      (stalled.socket as unknown as { _socket: { pause(): void } })._socket.pause();
      // Enough to fill the kernel's socket buffers so some bytes wait in the node, far below the limit.
      for (let i = 0; i < 600; i++) publisher.send({ event: 'publish', data: { channel: 'trickle', payload: { i, PAYLOAD } } });
      await eventually(async () => (await getJson(`${patient.http}/api/overview`)).body.connections === 1, 15_000);
      const metrics = await (await fetch(`${patient.http}/metrics`)).text();
      expect(metrics).toMatch(/switchboard_slow_consumer_closes_total\{reason="write-timeout"\} 1/);
      publisher.close();
    } finally {
      await patient.kill();
    }
  });
});
