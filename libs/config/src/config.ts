import type { Env } from './config.schema.js';

export type TransportConfig =
  | { kind: 'memory' }
  | { kind: 'redis'; url: string; prefix: string }
  | {
      kind: 'kafka';
      brokers: string[];
      topic: string;
      clientId: string;
      groupPrefix: string;
      partitions: number;
      /** -1: the broker's default.replication.factor. */
      replicationFactor: number;
      ssl: boolean;
      sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
    };

/** The validated, structured configuration every module receives. */
export interface SwitchboardConfig {
  port: number;
  host: string;
  nodeId: string;
  version: string;
  logLevel: Env['LOG_LEVEL'];
  transport: TransportConfig;
  gateway: {
    path: string;
    maxPayloadBytes: number;
    pingIntervalMs: number;
  };
  cluster: {
    heartbeatMs: number;
  };
  api: {
    apiKey?: string;
  };
  admin: {
    token?: string;
  };
  shutdown: {
    timeoutMs: number;
  };
}

/** Injection token for {@link SwitchboardConfig}. */
export const CONFIG = Symbol('SWITCHBOARD_CONFIG');
