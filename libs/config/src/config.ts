import type { Env } from './config.schema.js';

export type TransportConfig =
  | { kind: 'memory' }
  | { kind: 'redis'; url: string; prefix: string };

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
