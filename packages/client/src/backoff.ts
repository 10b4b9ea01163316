export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/**
 * "Full jitter": a delay drawn uniformly from [0, min(max, base · 2^attempt)). Clients that
 * lost their connection at the same moment spread over the whole window instead of
 * retrying in lockstep, and the window doubles with each failed attempt up to the cap.
 */
export function fullJitter(attempt: number, { baseMs, maxMs }: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
