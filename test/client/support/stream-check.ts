/** What one subscriber received, checked against what was published. */
export interface StreamReport {
  received: number;
  lost: number;
  duplicated: number;
  reordered: number;
  /** Received but never acknowledged nor uncertain: should not exist. */
  unexpected: number;
  firstLost?: number[];
}

/**
 * Every acknowledged message exactly once and in publish order; messages whose publish
 * got no answer may be there (once) or not.
 */
export function checkStream(received: number[], acked: number[], uncertain: number[] = []): StreamReport {
  const seen = new Set<number>();
  let duplicated = 0;
  let reordered = 0;
  for (let i = 0; i < received.length; i++) {
    if (seen.has(received[i]!)) duplicated++;
    seen.add(received[i]!);
    if (i > 0 && received[i]! < received[i - 1]!) reordered++;
  }
  const lostList = acked.filter((seq) => !seen.has(seq));
  const allowed = new Set([...acked, ...uncertain]);
  const unexpected = [...seen].filter((seq) => !allowed.has(seq)).length;
  return { received: received.length, lost: lostList.length, duplicated, reordered, unexpected, ...(lostList.length ? { firstLost: lostList.slice(0, 5) } : {}) };
}

/** Sums the reports of many subscribers. */
export function totals(reports: StreamReport[]): Omit<StreamReport, 'firstLost'> {
  const sum = (key: keyof Omit<StreamReport, 'firstLost'>) => reports.reduce((total, report) => total + report[key], 0);
  return { received: sum('received'), lost: sum('lost'), duplicated: sum('duplicated'), reordered: sum('reordered'), unexpected: sum('unexpected') };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
