/** What the agent needs to know about the node, read fresh for every check. */
export interface NodeState {
  draining: boolean;
  transportReady: boolean;
  connections: number;
  /** 0: no cap. */
  maxConnections: number;
  /** Event-loop delay, p99 over the last second. */
  eventLoopLagMs: number;
  eventLoopLagLimitMs: number;
}

/**
 * The node's share of new connections, 0-100, relative to the weight configured in
 * HAProxy: the free fraction of whichever resource is scarcer, connection slots or
 * event-loop time. 0 only when the node is full; otherwise at least 1, so a busy but
 * working node still takes some traffic when every node is busy.
 */
export function agentWeight(state: NodeState): number {
  const capped = state.maxConnections > 0;
  if (capped && state.connections >= state.maxConnections) return 0;
  const connectionLoad = capped ? state.connections / state.maxConnections : 0;
  const lagLoad = Math.min(Math.max(state.eventLoopLagMs / state.eventLoopLagLimitMs, 0), 1);
  const load = Math.max(connectionLoad, lagLoad);
  return Math.min(Math.max(Math.round(100 * (1 - load)), 1), 100);
}

/**
 * One HAProxy agent-check answer (one line). What HAProxy does with each word:
 * - `drain`: administrative DRAIN, no new connections (cookie-persistent ones aside);
 *   open ones stay. The node is shutting down and closes them itself, paced.
 * - `down #…`: operationally DOWN at once, without waiting for `fall` failed HTTP
 *   checks; open connections stay (no `on-marked-down shutdown-sessions`). Used while the
 *   bus is not ready: the node could not deliver other nodes' messages to new clients.
 * - `ready up N%`: cancels an agent-set DRAIN, marks UP again if the HTTP check agrees,
 *   and sets the weight to N% of the configured one.
 * Never `maint`: that is the operator's (it stops health checks, and `ready` would undo
 * an operator's MAINT).
 */
export function agentReply(state: NodeState): string {
  if (state.draining) return 'drain\n';
  if (!state.transportReady) return 'down #transport not ready\n';
  return `ready up ${agentWeight(state)}%\n`;
}
