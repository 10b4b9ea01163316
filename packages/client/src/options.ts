import { jsonFormat, type WireFormat } from './format.js';
import type { WebSocketConstructor } from './socket-session.js';
import type { TokenOption } from './token.js';

export interface SwitchboardOptions {
  /** A JWT, or a callback returning one (sync or async), sent as the `bearer.<jwt>` subprotocol. */
  token?: TokenOption;
  /** The WebSocket implementation; default: the global one (browsers, Node ≥ 22). `ws` works too. */
  WebSocket?: WebSocketConstructor;
  /**
   * The wire format: JSON by default, or `msgpackFormat({ encode, decode })` with your
   * MessagePack library (`switchboard.msgpack`: binary frames, `Uint8Array` payloads as bytes).
   */
  format?: WireFormat;
  /** Connect on construction (on the next microtask, so listeners added right after `new` see every event). Default true. */
  autoConnect?: boolean;
  /** A request without a reply by then fails with TIMEOUT. Default 10000. */
  requestTimeoutMs?: number;
  /** An attempt that has not been welcomed by then is abandoned and retried. Default 10000. */
  connectTimeoutMs?: number;
  /** After this long without a frame from the server, send an `echo` probe; 0 turns the keepalive off. Default 15000. */
  keepaliveIntervalMs?: number;
  /** A probe answered by nothing within this long means the connection is dead. Default 10000. */
  keepaliveTimeoutMs?: number;
  /** Backoff window of the first retry; it doubles per failed attempt. Default 1000. */
  backoffBaseMs?: number;
  /** Largest backoff window. Default 30000. */
  backoffMaxMs?: number;
  /** After 1012 (node draining): reconnect within a random delay up to this. Default 500. */
  drainSpreadMs?: number;
  /** After 1008 or 4008: wait this long on top of the backoff. Default 2000. */
  penaltyMs?: number;
  /** What `publish` and `rpc` do while not connected: wait for the connection, or reject with OFFLINE. Default 'queue'. */
  offline?: 'queue' | 'reject';
  /** Publishes and rpcs that may wait for a connection; more are rejected with QUEUE_FULL. Default 100. */
  offlineQueueSize?: number;
  /** A waiting publish or rpc not sent within this long is rejected with TIMEOUT. Default 10000. */
  offlineTimeoutMs?: number;
  /** With a token callback: after this many failed upgrades in a row, ask it for a fresh token. Default 2. */
  refreshTokenAfterFailures?: number;
  /** Frames per second this client sends at most, just under the server's RATE_LIMIT_PER_SEC (50); 0: unpaced. Default 45. */
  sendRatePerSec?: number;
  /** Frames it may send in a burst, just under RATE_LIMIT_BURST (100). Default 90. */
  sendBurst?: number;
}

export type ResolvedOptions = Required<Omit<SwitchboardOptions, 'token' | 'WebSocket'>> & Pick<SwitchboardOptions, 'token' | 'WebSocket'>;

export const DEFAULTS: Omit<ResolvedOptions, 'token' | 'WebSocket'> = {
  format: jsonFormat,
  autoConnect: true,
  requestTimeoutMs: 10_000,
  connectTimeoutMs: 10_000,
  keepaliveIntervalMs: 15_000,
  keepaliveTimeoutMs: 10_000,
  backoffBaseMs: 1000,
  backoffMaxMs: 30_000,
  drainSpreadMs: 500,
  penaltyMs: 2000,
  offline: 'queue',
  offlineQueueSize: 100,
  offlineTimeoutMs: 10_000,
  refreshTokenAfterFailures: 2,
  sendRatePerSec: 45,
  sendBurst: 90,
};

/** A connection that lasted this long resets the backoff; a shorter one counts as a failed attempt. */
export const STABLE_CONNECTION_MS = 5000;
