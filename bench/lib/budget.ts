/**
 * The run's time budget (quick ≤ 3 min, full ≤ 20 min). Optional extra work, such as
 * repeating a step that other processes disturbed, is only done while inside it.
 */
let deadline = Number.POSITIVE_INFINITY;

export function setBudget(ms: number): void {
  deadline = performance.now() + ms;
}

export function withinBudget(): boolean {
  return performance.now() < deadline;
}
