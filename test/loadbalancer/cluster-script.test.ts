import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureBinary } from '../infra/ensure-binary.js';
import { freePorts } from '../infra/free-port.js';
import { makeTempDir, type ManagedProcess, spawnManaged, terminate } from '../infra/managed-process.js';
import { eventually } from '../support/gateway-process.js';
import { isMessageOn, TestClient } from '../support/test-client.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/cluster.mjs', import.meta.url));

const refuses = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

describe('npm run cluster (scripts/cluster.mjs)', () => {
  let script: ManagedProcess | undefined;
  afterAll(async () => {
    if (script) await terminate(script, 'SIGKILL');
  });

  it('runs redis-server, 3 nodes and HAProxy with the shipped config; Ctrl-C drains and stops them all', { timeout: 90_000 }, async () => {
    await Promise.all([ensureBinary('redis-server', 'redis-server'), ensureBinary('haproxy', 'haproxy')]);
    const [lb, stats, redis, ...rest] = await freePorts(9);
    const nodePorts = rest.slice(0, 3);
    const agentPorts = rest.slice(3, 6);
    const logFile = join(makeTempDir('switchboard-cluster-test-'), 'cluster.log');
    script = spawnManaged(
      process.execPath,
      [SCRIPT, '--lb-port', String(lb), '--stats-port', String(stats), '--redis-port', String(redis), '--node-ports', nodePorts.join(','), '--agent-ports', agentPorts.join(',')],
      { logFile, env: { ...process.env, DRAIN_DELAY_MS: '0', LOG_LEVEL: 'warn' } },
    );
    const output = () => readFileSync(logFile, 'utf8');
    await eventually(() => output().includes('cluster ready') || !script!.isRunning(), 60_000, 100);
    expect(output()).toContain(`ws://127.0.0.1:${lb}/ws`);

    const clients = [];
    for (let i = 0; i < 6; i++) clients.push(await TestClient.connect(`ws://127.0.0.1:${lb}/ws`));
    expect(new Set(clients.map((client) => client.welcome.data.node))).toEqual(new Set(['gw1', 'gw2', 'gw3']));
    await Promise.all(clients.map((client) => client.subscribe('demo')));
    await clients[0]!.request('publish', { channel: 'demo', payload: 'hello' });
    await Promise.all(clients.map((client) => client.next(isMessageOn('demo'))));

    script.child.kill('SIGINT');
    expect((await Promise.all(clients.map((client) => client.closed))).map((close) => close.code)).toEqual(Array(6).fill(1012));
    expect(await script.exited).toMatchObject({ code: 0 });
    for (const port of [lb, stats, redis, ...nodePorts, ...agentPorts]) expect(await refuses(port!)).toBe(true);
  });
});
