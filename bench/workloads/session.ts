import { type Bus, type BusKind, startBus } from '../lib/buses.js';
import type { Watched } from '../lib/proc-stats.js';
import { LoadGenerator } from '../loadgen/pool.js';
import type { Cluster, Target } from '../targets/target.js';

/**
 * One server under test for one workload: its bus, its nodes and a fresh load generator,
 * all stopped afterwards whatever happens (fresh processes per run: no JIT warmth, memory
 * or sockets carried from one server to the next).
 */
export interface Session {
  target: Target;
  bus: Bus;
  cluster: Cluster;
  gen: LoadGenerator;
  nodes: number;
  /** Every process whose CPU the report shows. */
  watched(): Watched[];
}

export function busFor(target: Target, wanted: BusKind): BusKind {
  return target.buses.includes(wanted) ? wanted : target.buses[0]!;
}

export async function withSession<T>(
  target: Target,
  options: { bus: BusKind; nodes: number; workers: number },
  body: (session: Session) => Promise<T>,
): Promise<T> {
  // A peer without the requested bus runs on the one it has: the ceiling has none (one
  // process), the bridge always needs Redis.
  const busKind = busFor(target, options.bus);
  const nodes = busKind === 'none' ? 1 : options.nodes;
  const bus = await startBus(busKind);
  let cluster: Cluster | undefined;
  let gen: LoadGenerator | undefined;
  try {
    cluster = await target.start(nodes, bus);
    gen = new LoadGenerator(options.workers);
    const session: Session = {
      target,
      bus,
      cluster,
      gen,
      nodes,
      watched: () => [
        ...cluster!.watched,
        ...bus.watched,
        ...gen!.watched(),
        { role: 'orchestrator', name: 'orchestrator', pid: process.pid },
      ],
    };
    return await body(session);
  } finally {
    await gen?.stop().catch(() => undefined);
    await cluster?.stop().catch(() => undefined);
    await bus.stop().catch(() => undefined);
  }
}
