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

export type OriginPolicyConfig = { kind: 'any' } | { kind: 'same-origin' } | { kind: 'list'; origins: string[] };

/** How upgrade tokens are verified; the algorithm is pinned by the kind of key. */
export type JwtKeyConfig =
  | { kind: 'secret'; secret: string }
  | { kind: 'public-key'; pem: string }
  | { kind: 'jwks'; url: string };

export interface AuthConfig {
  origins: OriginPolicyConfig;
  /** Unset: no authentication, every channel open (development). */
  jwt?: JwtKeyConfig & { audience?: string; issuer?: string; channelsClaim: string };
}

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
  auth: AuthConfig;
  shutdown: {
    timeoutMs: number;
  };
}

/** Injection token for {@link SwitchboardConfig}. */
export const CONFIG = Symbol('SWITCHBOARD_CONFIG');
