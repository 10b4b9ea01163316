/** What the cluster view needs to know about this node's own traffic, supplied by the gateway. */
export interface LocalNodeSource {
  connections(): number;
  /** Per channel with local subscribers: subscriber count and broadcasts received so far (monotonic). */
  channels(): Map<string, { subscribers: number; messages: number }>;
  /** Monotonic totals; the cluster turns them into rates. */
  messageTotals(): { in: number; out: number };
  /** Monotonic RPC totals: requests answered (any outcome) and timeouts among them. */
  rpcTotals?(): { requests: number; timeouts: number };
}
