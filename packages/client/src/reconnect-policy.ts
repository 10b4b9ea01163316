import { type BackoffOptions, fullJitter } from './backoff.js';

/**
 * What a close code asks of the client (docs/protocol.md "Close codes"):
 * - `drain`: 1012, the node is shutting down cleanly; reconnect right away (the balancer
 *   sends us elsewhere), spread a little so a node's clients do not all arrive at once;
 * - `penalty`: 1008 (policy) and 4008 (slow consumer): the server wants less of us; wait
 *   a fixed penalty on top of the backoff;
 * - `backoff`: everything else (1006 dropped, 1011 server error, a failed upgrade, a
 *   keepalive timeout…): exponential backoff with full jitter.
 */
export type CloseKind = 'drain' | 'penalty' | 'backoff';

export function kindOfClose(code: number): CloseKind {
  if (code === 1012) return 'drain';
  if (code === 1008 || code === 4008) return 'penalty';
  return 'backoff';
}

export interface ReconnectOptions extends BackoffOptions {
  drainSpreadMs: number;
  penaltyMs: number;
}

/**
 * The delay before the next attempt, and whether it counts as a failed attempt (which
 * widens the backoff window for the next one). A drain is nobody's failure.
 */
export function reconnectDelay(kind: CloseKind, attempt: number, options: ReconnectOptions, random: () => number = Math.random): { delayMs: number; counts: boolean } {
  if (kind === 'drain') return { delayMs: Math.floor(random() * options.drainSpreadMs), counts: false };
  const backoff = fullJitter(attempt, options, random);
  return { delayMs: kind === 'penalty' ? options.penaltyMs + backoff : backoff, counts: true };
}
