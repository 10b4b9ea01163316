/** A real message bus a multi-node test runs its nodes on, and can break and mend. */
export interface ClusterBus {
  name: string;
  /** Environment that puts a node on this bus. */
  env: Record<string, string>;
  /** Hard-kill the server (SIGKILL). */
  kill(): Promise<void>;
  /** Start it again on the same address. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /**
   * How many nodes follow `channel` on the bus, where the bus can tell; lets a test prove
   * that nodes without subscribers get none of a channel's traffic.
   */
  followers?(channel: string): Promise<number>;
  /** The bus's per-node consumer groups, where it has them (Kafka): nodes must not leave them behind. */
  consumerGroups?(): Promise<string[]>;
  /**
   * Cuts every node's subscription connection while the bus keeps running (Redis: CLIENT
   * KILL TYPE pubsub), so live traffic is lost while they reconnect, where the bus can.
   */
  dropSubscribers?(): Promise<void>;
  /** How long the issue allows for recovery after the bus returns. */
  recoveryBudgetMs: number;
}
