import type { ClientProtocol } from '../loadgen/protocol.js';
import type { Bus, BusKind } from '../lib/buses.js';
import type { Watched } from '../lib/proc-stats.js';

/** A server under test: Switchboard or one of the peers it is compared with. */
export type TargetId = 'switchboard' | 'socketio' | 'bridge' | 'raw';

export interface Target {
  id: TargetId;
  label: string;
  protocol: ClientProtocol;
  /** Buses it can run on; 'none' = a single node. */
  buses: BusKind[];
  /** Starts `nodes` server processes joined by `bus` and waits until each is ready.
   *  `env` is added to each node's environment (Switchboard's history settings; the peers
   *  take none). */
  start(nodes: number, bus: Bus, env?: Record<string, string>): Promise<Cluster>;
}

export interface NodeMemory {
  rss: number;
  /** V8 heap in use as the process reports it (no forced GC). */
  heapUsed: number | undefined;
}

export interface Cluster {
  /** WebSocket URL of each node. */
  urls: string[];
  /** http://host:port of each node (same port as its WebSocket). */
  httpUrls: string[];
  /** The node processes, role 'server'. */
  watched: Watched[];
  memory(node: number): Promise<NodeMemory>;
  stop(): Promise<void>;
}
