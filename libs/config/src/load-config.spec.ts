import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { loadConfig } from './load-config.js';

describe('loadConfig', () => {
  it('gives every variable its documented default', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      transport: { kind: 'memory', options: {} },
      history: { namespaces: [], recoveryMaxMessages: 1000 },
      gateway: { path: '/ws', maxPayloadBytes: 65536, pingIntervalMs: 30000 },
      cluster: { heartbeatMs: 2000 },
      api: { apiKey: undefined, docs: 'ui' },
    });
    expect(config.nodeId).toMatch(new RegExp(`-${process.pid}$`));
    expect(config.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('reads API_DOCS: ui (default), json or off', () => {
    expect(loadConfig({ API_DOCS: 'json' }).api.docs).toBe('json');
    expect(loadConfig({ API_DOCS: '' }).api.docs).toBe('ui');
    expect(() => loadConfig({ API_DOCS: 'yes' })).toThrow(/API_DOCS/);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ PORT: '', API_KEY: '' })).toMatchObject({ port: 3000, api: { apiKey: undefined } });
  });

  it('reads redis settings when TRANSPORT=redis', () => {
    expect(loadConfig({ TRANSPORT: 'redis', REDIS_URL: 'redis://10.0.0.1:6380/2', REDIS_PREFIX: 'c1:' }).transport).toEqual({
      kind: 'redis',
      options: { mode: 'single', url: 'redis://10.0.0.1:6380/2', prefix: 'c1:', historyMetaTtlSeconds: 30 * 86_400 },
    });
  });

  it('reads REDIS_MODE=cluster and REDIS_MODE=sentinel with their credentials', () => {
    expect(loadConfig({ TRANSPORT: 'redis', REDIS_MODE: 'cluster', REDIS_CLUSTER_NODES: '10.0.0.1:7000, 10.0.0.2:7001', REDIS_PASSWORD: 's3cret' }).transport).toEqual({
      kind: 'redis',
      options: { mode: 'cluster', nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7001 }], password: 's3cret', tls: false, prefix: 'sb:', historyMetaTtlSeconds: 30 * 86_400 },
    });
    const sentinel = loadConfig({
      TRANSPORT: 'redis',
      REDIS_MODE: 'sentinel',
      REDIS_SENTINELS: 's1:26379,[::1]:26380',
      REDIS_SENTINEL_MASTER: 'switchboard',
      REDIS_USERNAME: 'gateway',
      REDIS_PASSWORD: 'data-pass',
      REDIS_SENTINEL_PASSWORD: 'sentinel-pass',
      REDIS_TLS: 'true',
    }).transport;
    expect(sentinel.options).toMatchObject({
      mode: 'sentinel',
      sentinels: [{ host: 's1', port: 26379 }, { host: '::1', port: 26380 }],
      masterName: 'switchboard',
      username: 'gateway',
      password: 'data-pass',
      sentinelPassword: 'sentinel-pass',
      tls: true,
    });
  });

  it('checks the Redis mode variables against each other, naming the variable', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ TRANSPORT: 'redis', ...env });
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    };
    expect(problems({ REDIS_MODE: 'cluster' })).toEqual([expect.stringMatching(/^REDIS_CLUSTER_NODES="": is required with REDIS_MODE=cluster/)]);
    expect(problems({ REDIS_MODE: 'sentinel', REDIS_SENTINELS: 's1:26379' })).toEqual([expect.stringMatching(/^REDIS_SENTINEL_MASTER="": is required with REDIS_MODE=sentinel/)]);
    expect(problems({ REDIS_MODE: 'cluster', REDIS_CLUSTER_NODES: 'a:1', REDIS_URL: 'redis://x:6379' })).toEqual([expect.stringMatching(/^REDIS_URL=.*only used with REDIS_MODE=single/)]);
    // Forgetting REDIS_MODE is the likely mistake: the variable says which mode it needs.
    expect(problems({ REDIS_CLUSTER_NODES: 'a:7000' })).toEqual([expect.stringMatching(/^REDIS_CLUSTER_NODES="a:7000": is only used with REDIS_MODE=cluster \(REDIS_MODE is single\)/)]);
    expect(problems({ REDIS_SENTINEL_MASTER: 'm' })).toEqual([expect.stringMatching(/^REDIS_SENTINEL_MASTER=.*only used with REDIS_MODE=sentinel/)]);
    expect(problems({ REDIS_MODE: 'cluster', REDIS_CLUSTER_NODES: 'a:7000,b' })).toEqual([expect.stringMatching(/^REDIS_CLUSTER_NODES="a:7000,b": must be a comma-separated list of host:port/)]);
    expect(problems({ REDIS_MODE: 'cluster', REDIS_CLUSTER_NODES: 'a:70000' })).toHaveLength(1);
    expect(problems({ REDIS_MODE: 'mesh' })[0]).toMatch(/^REDIS_MODE="mesh".*allowed: single, cluster, sentinel/);
    expect(problems({ REDIS_URL: 'redis://:a@x:6379', REDIS_PASSWORD: 'b' })).toEqual([expect.stringMatching(/^REDIS_PASSWORD=.*REDIS_URL has a password too/)]);
    expect(problems({ REDIS_TLS: 'true' })).toEqual([expect.stringMatching(/^REDIS_TLS=.*rediss:\/\//)]);
    expect(problems({ REDIS_MODE: 'sentinel', REDIS_SENTINELS: 's:1', REDIS_SENTINEL_MASTER: 'm', REDIS_SENTINEL_USERNAME: 'u' })).toEqual([expect.stringMatching(/^REDIS_SENTINEL_USERNAME=.*needs REDIS_SENTINEL_PASSWORD/)]);
    // Single mode takes credentials from the URL or from the variables.
    expect(loadConfig({ TRANSPORT: 'redis', REDIS_PASSWORD: 'p' }).transport.options).toMatchObject({ mode: 'single', url: 'redis://127.0.0.1:6379', password: 'p' });
  });

  it('reads kafka settings when TRANSPORT=kafka', () => {
    expect(loadConfig({ TRANSPORT: 'kafka', KAFKA_BROKERS: 'k1:9092,k2:9093', KAFKA_SSL: 'true' }).transport).toEqual({
      kind: 'kafka',
      options: {
        brokers: ['k1:9092', 'k2:9093'],
        topic: 'switchboard.broadcast',
        clientId: 'switchboard',
        groupPrefix: 'switchboard',
        partitions: 6,
        replicationFactor: -1,
        retentionMs: 3_600_000,
        ssl: true,
        sasl: undefined,
      },
    });
  });

  it('requires SASL credentials with a SASL mechanism', () => {
    expect(() => loadConfig({ TRANSPORT: 'kafka', KAFKA_SASL_MECHANISM: 'plain' })).toThrow(/KAFKA_SASL_USERNAME/);
    expect(() => loadConfig({ TRANSPORT: 'kafka', KAFKA_SASL_MECHANISM: 'gssapi' })).toThrow(/allowed: plain, scram-sha-256, scram-sha-512/);
    expect(() => loadConfig({ TRANSPORT: 'kafka', KAFKA_BROKERS: 'no-port' })).toThrow(/KAFKA_BROKERS/);
    // A backend's variables are validated only when TRANSPORT chooses it.
    expect(loadConfig({ KAFKA_BROKERS: 'no-port' }).transport).toEqual({ kind: 'memory', options: {} });
  });

  it('names every invalid variable and the allowed values', () => {
    let error: unknown;
    try {
      loadConfig({ TRANSPORT: 'pigeon', PORT: '70000', WS_PING_INTERVAL_MS: 'soon' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems } = error as ConfigError;
    expect(problems).toHaveLength(3);
    expect(problems.find((p) => p.startsWith('TRANSPORT'))).toMatch(/"pigeon".*allowed: memory, redis, kafka/);
    expect(problems.find((p) => p.startsWith('PORT'))).toMatch(/"70000"/);
    expect(problems.find((p) => p.startsWith('WS_PING_INTERVAL_MS'))).toMatch(/"soon"/);
  });

  it('rejects a REDIS_URL that is not a redis URL', () => {
    expect(() => loadConfig({ TRANSPORT: 'redis', REDIS_URL: 'http://x' })).toThrow(/REDIS_URL/);
  });

  it('load balancing and drain: documented defaults, agent off unless AGENT_PORT is set', () => {
    const config = loadConfig({});
    expect(config.gateway.maxConnections).toBe(0);
    expect(config.loadBalancer).toEqual({ agentPort: undefined });
    expect(config.health).toEqual({ eventLoopLagLimitMs: 1000 });
    expect(config.shutdown).toEqual({ timeoutMs: 10_000, drainDelayMs: 3000, drainBatch: 100, drainIntervalMs: 50 });
    expect(loadConfig({ AGENT_PORT: '3101', MAX_CONNECTIONS: '5000' })).toMatchObject({ loadBalancer: { agentPort: 3101 }, gateway: { maxConnections: 5000 } });
  });

  it('refuses a drain delay that leaves no time to close clients', () => {
    expect(() => loadConfig({ DRAIN_DELAY_MS: '10000' })).toThrow(/DRAIN_DELAY_MS.*less than SHUTDOWN_TIMEOUT_MS/);
    expect(() => loadConfig({ SHUTDOWN_TIMEOUT_MS: '2000' })).toThrow(/DRAIN_DELAY_MS/);
    expect(loadConfig({ SHUTDOWN_TIMEOUT_MS: '2000', DRAIN_DELAY_MS: '0' }).shutdown.drainDelayMs).toBe(0);
    expect(() => loadConfig({ AGENT_PORT: '0' })).toThrow(/AGENT_PORT/);
    expect(() => loadConfig({ DRAIN_BATCH: '0' })).toThrow(/DRAIN_BATCH/);
  });

  it('history: off by default; HISTORY_CHANNELS turns namespaces on with HISTORY_SIZE and HISTORY_TTL_S', () => {
    expect(loadConfig({}).history.namespaces).toEqual([]);
    expect(loadConfig({ HISTORY_CHANNELS: 'chat:*, orders:*', HISTORY_SIZE: '500', HISTORY_TTL_S: '60', RECOVERY_MAX_MESSAGES: '200' }).history).toEqual({
      namespaces: [
        { pattern: 'chat:*', history: { size: 500, ttlSeconds: 60 } },
        { pattern: 'orders:*', history: { size: 500, ttlSeconds: 60 } },
      ],
      recoveryMaxMessages: 200,
    });
  });

  it('presence: off by default; PRESENCE_CHANNELS after CHANNELS_CONFIG namespaces, first match wins', () => {
    expect(loadConfig({}).presence).toEqual({ namespaces: [] });
    expect(loadConfig({ PRESENCE_CHANNELS: 'chat:*' }).presence).toEqual({ namespaces: [{ pattern: 'chat:*', presence: true }] });
    expect(() => loadConfig({ PRESENCE_CHANNELS: 'bad pattern' })).toThrow(/PRESENCE_CHANNELS/);
    const file = join(mkdtempSync(join(tmpdir(), 'channels-config-')), 'channels.json');
    writeFileSync(file, JSON.stringify({ namespaces: [{ channels: 'chat:vip*', presence: true }, { channels: 'chat:*' }] }));
    expect(loadConfig({ CHANNELS_CONFIG: file, PRESENCE_CHANNELS: '*' }).presence.namespaces).toEqual([
      { pattern: 'chat:vip*', presence: true },
      { pattern: 'chat:*', presence: false },
      { pattern: '*', presence: true },
    ]);
  });

  it('history: names the variable for bad values', () => {
    expect(() => loadConfig({ HISTORY_CHANNELS: 'chat:*,bad pattern' })).toThrow(/HISTORY_CHANNELS="chat:\*,bad pattern": must be a comma-separated list of channel patterns/);
    expect(() => loadConfig({ HISTORY_SIZE: '0' })).toThrow(/HISTORY_SIZE/);
    expect(() => loadConfig({ HISTORY_TTL_S: 'forever' })).toThrow(/HISTORY_TTL_S/);
    expect(() => loadConfig({ RECOVERY_MAX_MESSAGES: '-1' })).toThrow(/RECOVERY_MAX_MESSAGES/);
  });

  it('CHANNELS_CONFIG: per-namespace options first, then HISTORY_CHANNELS; a bad file stops start-up naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'channels-config-'));
    const file = join(dir, 'channels.json');
    writeFileSync(file, JSON.stringify({ namespaces: [{ channels: 'orders:*', history: { size: 1000 } }, { channels: 'ticker:*' }] }));
    expect(loadConfig({ CHANNELS_CONFIG: file, HISTORY_CHANNELS: '*' }).history.namespaces).toEqual([
      { pattern: 'orders:*', history: { size: 1000, ttlSeconds: 300 } },
      { pattern: 'ticker:*', history: undefined },
      { pattern: '*', history: { size: 100, ttlSeconds: 300 } },
    ]);
    writeFileSync(file, JSON.stringify({ namespaces: [{ channels: 'orders:*', history: { size: -5 } }] }));
    expect(() => loadConfig({ CHANNELS_CONFIG: file })).toThrow(/CHANNELS_CONFIG=.*namespaces\.0\.history\.size/);
    writeFileSync(file, '{ not json');
    expect(() => loadConfig({ CHANNELS_CONFIG: file })).toThrow(/CHANNELS_CONFIG=.*cannot read it as JSON/);
    expect(() => loadConfig({ CHANNELS_CONFIG: join(dir, 'missing.json') })).toThrow(/CHANNELS_CONFIG/);
  });

  it('rpc: off by default with its documented limits; a backend validates its own variables only when chosen', () => {
    expect(loadConfig({ NODE_ID: 'n1' }).rpc).toEqual({
      nodeId: 'n1',
      backend: { kind: 'none' },
      timeoutMs: 5000,
      maxInFlight: 32,
      maxPending: 100_000,
      maxPayloadBytes: 65_536,
      maxReplyBytes: 1_048_576,
      events: [],
    });
    expect(loadConfig({ RPC_BACKEND: 'amqp', RPC_AMQP_URL: 'amqp://u:p@mq:5672/v', RPC_EVENTS: 'connect, subscribe' }).rpc).toMatchObject({
      backend: { kind: 'amqp', options: { url: 'amqp://u:p@mq:5672/v', queue: 'switchboard.rpc.requests', queueType: 'classic' } },
      events: ['connect', 'subscribe'],
    });
    expect(loadConfig({ RPC_BACKEND: 'kafka', KAFKA_BROKERS: 'k1:9092' }).rpc.backend).toMatchObject({ kind: 'kafka', options: { brokers: ['k1:9092'], requestTopic: 'switchboard.rpc.requests' } });
    expect(() => loadConfig({ RPC_BACKEND: 'http' })).toThrow(/RPC_HTTP_URL/);
    expect(() => loadConfig({ RPC_BACKEND: 'pigeon' })).toThrow(/RPC_BACKEND.*allowed: none, kafka, amqp, http/);
    expect(() => loadConfig({ RPC_EVENTS: 'connect,explode' })).toThrow(/RPC_EVENTS/);
    expect(() => loadConfig({ RPC_TIMEOUT_MS: '10' })).toThrow(/RPC_TIMEOUT_MS/);
    expect(loadConfig({ RPC_AMQP_URL: 'not a url' }).rpc.backend).toEqual({ kind: 'none' });
  });
});
