import { WebSocket } from 'ws';

export interface PacedCloseOptions {
  code: number;
  reason: string;
  /** Sockets closed per batch (DRAIN_BATCH): the most reconnects one batch sends to the other nodes at once. */
  batch: number;
  /** Pause between batches (DRAIN_INTERVAL_MS). */
  intervalMs: number;
  /** Time the whole close phase may take. */
  budgetMs: number;
  /** Part of the budget kept after the last batch for its close handshakes. */
  graceMs: number;
  /** Called before each batch, for logging and tests. */
  onBatch?: (index: number, size: number) => void;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Batch size that closes `count` sockets within the budget at the configured pace: the
 * configured batch when it fits, larger when it would not. Every client then still gets
 * its close frame (1012, reconnect elsewhere) before the shutdown deadline, rather than
 * the process dying under the last ones (1006).
 */
export function batchSizeFor(count: number, options: Pick<PacedCloseOptions, 'batch' | 'intervalMs' | 'budgetMs' | 'graceMs'>): number {
  if (count === 0 || options.intervalMs === 0) return Math.max(count, 1);
  const pacedMs = Math.max(options.budgetMs - options.graceMs, 0);
  const batchesThatFit = Math.floor(pacedMs / options.intervalMs) + 1;
  return Math.max(options.batch, Math.ceil(count / batchesThatFit));
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Sends close frames batch by batch, then waits until every socket has closed; those
 * that have not answered when the budget runs out are terminated.
 */
export async function closePaced(sockets: WebSocket[], options: PacedCloseOptions): Promise<void> {
  const sleep = options.sleep ?? defaultSleep;
  const started = Date.now();
  const closed = sockets.map(
    (socket) =>
      new Promise<void>((resolve) => {
        if (socket.readyState === WebSocket.CLOSED) return resolve();
        socket.once('close', () => resolve());
      }),
  );
  const size = batchSizeFor(sockets.length, options);
  for (let start = 0, index = 0; start < sockets.length; start += size, index++) {
    if (index > 0) await sleep(options.intervalMs);
    const batch = sockets.slice(start, start + size);
    options.onBatch?.(index, batch.length);
    for (const socket of batch) if (socket.readyState === WebSocket.OPEN) socket.close(options.code, options.reason);
  }
  const left = Math.max(options.budgetMs - (Date.now() - started), 0);
  const timer = setTimeout(() => {
    for (const socket of sockets) if (socket.readyState !== WebSocket.CLOSED) socket.terminate();
  }, left);
  await Promise.all(closed);
  clearTimeout(timer);
}
