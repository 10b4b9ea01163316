/** What the cluster view needs to know about this node's own traffic, supplied by the gateway. */
export interface LocalNodeSource {
  connections(): number;
  channelCounts(): Record<string, number>;
  /** Monotonic totals; the cluster turns them into rates. */
  messageTotals(): { in: number; out: number };
}
