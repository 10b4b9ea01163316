import type { RpcConfig } from '#libs/rpc';
import type { TransportSelection } from '#libs/transport';
import type { Env } from './config.schema.js';

/** The backend `TRANSPORT` names, with its options validated from its own variables. */
export type TransportConfig = TransportSelection;

/** History settings of one channel namespace. */
export interface NamespaceHistory {
  size: number;
  ttlSeconds: number;
}

export interface ChannelNamespace {
  /** `*`, `prefix*` or an exact channel name. */
  pattern: string;
  /** Unset: channels of this namespace keep no history. */
  history?: NamespaceHistory;
}

export interface HistoryConfig {
  /** First match wins: CHANNELS_CONFIG's namespaces, then HISTORY_CHANNELS'. */
  namespaces: ChannelNamespace[];
  /** Most publications one recovery replays; past it the subscriber is told `too_many`. */
  recoveryMaxMessages: number;
}

export interface PresenceConfig {
  /** First match wins: CHANNELS_CONFIG's namespaces, then PRESENCE_CHANNELS'. */
  namespaces: Array<{ pattern: string; presence: boolean }>;
}

export type OriginPolicyConfig = { kind: 'any' } | { kind: 'same-origin' } | { kind: 'list'; origins: string[] };

/** How upgrade tokens are verified; the algorithm is pinned by the kind of key. */
export type JwtKeyConfig =
  | { kind: 'secret'; secret: string }
  | { kind: 'public-key'; pem: string }
  | { kind: 'jwks'; url: string };

export interface AuthConfig {
  origins: OriginPolicyConfig;
  /** Unset: no authentication, every channel open (development). */
  jwt?: JwtKeyConfig & { audience?: string; issuer?: string; channelsClaim: string; rpcClaim: string };
}

/** Abuse limits: docs/security.md explains each one. */
export interface LimitsConfig {
  ratePerSec: number;
  rateBurst: number;
  invalidFramesPerMinute: number;
  maxSubscriptionsPerConnection: number;
  /** 0: unlimited. */
  maxConnectionsPerIp: number;
  /** Peers whose X-Forwarded-For is believed when counting connections per client IP. */
  trustedProxies: string[];
  maxBufferedBytes: number;
  writeTimeoutMs: number;
  httpHeadersTimeoutMs: number;
}

/** The validated, structured configuration every module receives. */
export interface SwitchboardConfig {
  port: number;
  host: string;
  nodeId: string;
  version: string;
  logLevel: Env['LOG_LEVEL'];
  transport: TransportConfig;
  history: HistoryConfig;
  /** Which channels keep presence (PRESENCE_CHANNELS, CHANNELS_CONFIG). */
  presence: PresenceConfig;
  /** Client requests to workers (RPC_BACKEND and the RPC_* variables, libs/rpc). */
  rpc: RpcConfig;
  gateway: {
    path: string;
    maxPayloadBytes: number;
    pingIntervalMs: number;
    /** Open WebSockets this node accepts before answering upgrades 503; 0: unlimited. */
    maxConnections: number;
  };
  cluster: {
    heartbeatMs: number;
  };
  api: {
    apiKey?: string;
    /** The OpenAPI document: `ui` (Swagger UI at /api/docs and the JSON at /api/docs-json), `json` (the JSON only), `off`. */
    docs: 'ui' | 'json' | 'off';
  };
  admin: {
    token?: string;
  };
  auth: AuthConfig;
  limits: LimitsConfig;
  shutdown: {
    timeoutMs: number;
    /** Readiness is 503 this long before clients are closed, so balancers stop sending new ones. */
    drainDelayMs: number;
    /** Clients closed (1012) per batch, and the pause between batches: a restart is not a reconnect storm. */
    drainBatch: number;
    drainIntervalMs: number;
  };
  health: {
    /** Event-loop delay above which /health/live fails and the agent weight bottoms out. */
    eventLoopLagLimitMs: number;
  };
  loadBalancer: {
    /** TCP port of the HAProxy agent-check responder; undefined: no responder. */
    agentPort?: number;
  };
}

/** Injection token for {@link SwitchboardConfig}. */
export const CONFIG = Symbol('SWITCHBOARD_CONFIG');
