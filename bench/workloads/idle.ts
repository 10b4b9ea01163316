import { cpuBetween, roleMicros, snapshot } from '../lib/proc-stats.js';
import { sleep } from '../lib/summary.js';
import type { Target } from '../targets/target.js';
import { withSession } from './session.js';

/**
 * Idle capacity: one node, connections opened in levels (2,500 → 15,000) and left idle
 * (connected, no subscription, no traffic but keepalive). At each level: the server's RSS
 * and V8 heap above its empty baseline, per connection, and the CPU it burns doing nothing.
 */
export interface IdleOptions {
  levels: number[];
  /** Wait after connecting before sampling memory. */
  settleMs: number;
  /** Window over which idle CPU is measured. */
  idleMs: number;
  workers: number;
}

export interface IdleLevel {
  connections: number;
  rss: number;
  heapUsed: number | undefined;
  rssPerConnection: number;
  heapPerConnection: number | undefined;
  /** Server CPU while idle, one-core %. */
  idleCpuPercent: number;
  connectMs: number;
}

export interface IdleRun {
  target: string;
  label: string;
  baseline: { rss: number; heapUsed: number | undefined };
  levels: IdleLevel[];
  error?: string;
}

export async function runIdle(target: Target, options: IdleOptions, log: (line: string) => void): Promise<IdleRun> {
  const run: IdleRun = { target: target.id, label: target.label, baseline: { rss: Number.NaN, heapUsed: undefined }, levels: [] };
  try {
    await withSession(target, { bus: 'none', nodes: 1, workers: options.workers }, async ({ cluster, gen, watched }) => {
      await sleep(options.settleMs);
      run.baseline = await cluster.memory(0);
      let open = 0;
      for (const level of options.levels) {
        const connected = await gen.connect(cluster.urls, target.protocol, level - open, 'none', open);
        if (connected.failed > 0) throw new Error(`${connected.failed} connections failed at ${level}: ${connected.errors.join('; ')}`);
        open = level;
        await sleep(options.settleMs);
        const memory = await cluster.memory(0);
        const list = watched();
        const before = snapshot(list);
        await sleep(options.idleMs);
        const cpu = cpuBetween(list, before, snapshot(list));
        const result: IdleLevel = {
          connections: level,
          rss: memory.rss,
          heapUsed: memory.heapUsed,
          rssPerConnection: (memory.rss - run.baseline.rss) / level,
          heapPerConnection: memory.heapUsed !== undefined && run.baseline.heapUsed !== undefined ? (memory.heapUsed - run.baseline.heapUsed) / level : undefined,
          idleCpuPercent: (roleMicros(cpu, 'server') / 1e6 / cpu.seconds) * 100,
          connectMs: connected.ms,
        };
        run.levels.push(result);
        log(
          `  ${target.id.padEnd(11)} ${String(level).padStart(6)} idle: RSS ${(memory.rss / 2 ** 20).toFixed(1)} MiB ` +
            `(${(result.rssPerConnection / 1024).toFixed(2)} KiB/conn), heap ${result.heapPerConnection === undefined ? '?' : (result.heapPerConnection / 1024).toFixed(2)} KiB/conn, ` +
            `idle CPU ${result.idleCpuPercent.toFixed(1)} %, connected in ${(connected.ms / 1000).toFixed(1)} s`,
        );
      }
      const status = await gen.status();
      if (status.dropped > 0) log(`  ${target.id}: ${status.dropped} idle connections were dropped by the server`);
    });
  } catch (error) {
    run.error = (error as Error).message;
    log(`  ${target.id}: FAILED: ${run.error}`);
  }
  return run;
}
