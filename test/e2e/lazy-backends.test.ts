import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from '../infra/managed-process.js';
import { startRedis } from '../infra/redis-server.js';
import { startGatewayProcess } from '../support/gateway-process.js';

const recorder = fileURLToPath(new URL('../support/record-loads.mjs', import.meta.url));

/** Starts a built node with the module recorder and returns the packages it loaded. */
async function packagesLoadedBy(env: Record<string, string>): Promise<Set<string>> {
  const log = join(makeTempDir('switchboard-loads-'), 'loads.txt');
  const node = await startGatewayProcess({ ...env, RECORD_LOADS_TO: log, NODE_OPTIONS: `--import=${recorder}` });
  await node.kill();
  const urls = readFileSync(log, 'utf8').split('\n');
  return new Set(urls.map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1]).filter((name): name is string => name !== undefined));
}

/** A backend's client library loads only when TRANSPORT chooses it (its descriptor's factory imports it). */
describe('backends load their client library only when chosen', () => {
  it('a memory node loads neither ioredis nor kafkajs', async () => {
    const loaded = await packagesLoadedBy({ TRANSPORT: 'memory' });
    expect(loaded.has('@nestjs/core')).toBe(true);
    expect(loaded.has('ioredis')).toBe(false);
    expect(loaded.has('kafkajs')).toBe(false);
    // Nor the RPC backends' (RPC_BACKEND=none; test/rpc/rpc-amqp.test.ts checks an amqp node).
    expect(loaded.has('amqplib')).toBe(false);
  });

  it('a redis node loads ioredis and still not kafkajs', async () => {
    const redis = await startRedis();
    try {
      const loaded = await packagesLoadedBy({ TRANSPORT: 'redis', REDIS_URL: redis.url });
      expect(loaded.has('ioredis')).toBe(true);
      expect(loaded.has('kafkajs')).toBe(false);
    } finally {
      await redis.stop();
    }
  });
});
