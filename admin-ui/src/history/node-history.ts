import type { ClusterNode } from '../api/types';
import { nodeStatus } from '../api/types';

export type Metric = 'connections' | 'messagesInPerSec' | 'messagesOutPerSec';

type Values = Record<Metric, number>;

interface Sample {
  /** ms since epoch, browser clock. */
  t: number;
  values: Map<string, Values>;
}

/** What uPlot draws: x in seconds, then one y array per series, null where there is no value. */
export type ChartData = [number[], ...Array<Array<number | null>>];

export const HISTORY_WINDOW_MS = 10 * 60_000;

/**
 * The samples behind the charts: each successful poll of /api/nodes adds one. The
 * API only has "now", so the dashboard keeps the last ten minutes itself.
 * Gone nodes stop getting values, so their lines end where they left.
 */
export class NodeHistory {
  private samples: Sample[] = [];
  /** Every node ever seen, in order of appearance: keeps a node's colour stable. */
  private readonly order: string[] = [];

  constructor(
    readonly windowMs = HISTORY_WINDOW_MS,
    /** A pause longer than this (hidden tab, node unreachable) breaks the lines instead of bridging it. */
    readonly gapMs = 10_000,
  ) {}

  /** Adds the nodes as polled at `t`; ignores a poll not newer than the last one. Returns whether it was added. */
  add(t: number, nodes: readonly ClusterNode[]): boolean {
    const last = this.samples.at(-1);
    if (last && t <= last.t) return false;
    const values = new Map<string, Values>();
    for (const node of nodes) {
      if (nodeStatus(node) === 'gone') continue;
      if (!this.order.includes(node.id)) this.order.push(node.id);
      values.set(node.id, {
        connections: node.connections,
        messagesInPerSec: node.messagesInPerSec,
        messagesOutPerSec: node.messagesOutPerSec,
      });
    }
    this.samples.push({ t, values });
    const cutoff = t - this.windowMs;
    const firstKept = this.samples.findIndex((sample) => sample.t >= cutoff);
    if (firstKept > 0) this.samples = this.samples.slice(firstKept);
    return true;
  }

  get size(): number {
    return this.samples.length;
  }

  /** Nodes with at least one value in the window, in order of first appearance. */
  nodeIds(): string[] {
    const present = new Set<string>();
    for (const sample of this.samples) for (const id of sample.values.keys()) present.add(id);
    return this.order.filter((id) => present.has(id));
  }

  /** Index of a node in order of first appearance (for its colour). */
  colorIndex(id: string): number {
    return this.order.indexOf(id);
  }

  /** Sum of a metric over all nodes, per sample. */
  total(metric: Metric): Array<{ t: number; value: number }> {
    return this.samples.map((sample) => ({
      t: sample.t,
      value: [...sample.values.values()].reduce((sum, values) => sum + values[metric], 0),
    }));
  }

  chartData(metric: Metric, ids: readonly string[] = this.nodeIds()): ChartData {
    const xs: number[] = [];
    const ys: Array<Array<number | null>> = ids.map(() => []);
    let previous: number | undefined;
    for (const sample of this.samples) {
      if (previous !== undefined && sample.t - previous > this.gapMs) {
        // A row of nulls just after the last sample breaks every line across the pause.
        xs.push((previous + 1) / 1000);
        ys.forEach((y) => y.push(null));
      }
      xs.push(sample.t / 1000);
      ids.forEach((id, i) => ys[i]!.push(sample.values.get(id)?.[metric] ?? null));
      previous = sample.t;
    }
    return [xs, ...ys];
  }
}
