import { withinBudget } from '../lib/budget.js';
import type { BusKind } from '../lib/buses.js';
import { Histogram } from '../lib/histogram.js';
import { cpuBetween, type CpuUse, roleMicros, snapshot } from '../lib/proc-stats.js';
import { type Latency, latencyOf, sleep } from '../lib/summary.js';
import type { Target } from '../targets/target.js';
import { busFor, type Session, withSession } from './session.js';

/**
 * Fan-out: subscribers split evenly over the nodes, all on one channel; one publisher on
 * node 1 sends 64-byte timestamped messages at stepped rates. Rates are given in
 * deliveries/s (messages/s × subscribers), the figure that loads a broadcast server. The
 * sweep stops at the first saturated step: p99 > 50 ms or fewer than 95 % of the
 * deliveries arrived.
 */
export interface FanoutOptions {
  bus: BusKind;
  nodes: number;
  subscribers: number;
  /** Offered deliveries/s per step, ascending. */
  rates: number[];
  stepMs: number;
  /** Wait after a step's last publish for stragglers (counted, and in the CPU window). */
  graceMs: number;
  warmupMs: number;
  workers: number;
  /** Steps up to this rate always run, saturated or not, so every server has a number at
   *  the reference load the goals compare (50,000 deliveries/s). */
  mustRun: number;
  /** How often a step disturbed by other processes is repeated. */
  disturbedRetries: number;
}

export const SATURATION = { p99Ms: 50, deliveredRatio: 0.95 };

/** A step during which processes the bench did not start used more than this much CPU
 *  (one-core %) is repeated (at most `disturbedRetries` times): on a shared 2-core machine
 *  a test run or build elsewhere otherwise passes for a saturated server. */
export const DISTURBED_PERCENT = 25;

export interface FanoutStep {
  offeredPerSec: number;
  messagesPerSec: number;
  sent: number;
  expected: number;
  delivered: number;
  deliveredPerSec: number;
  deliveredRatio: number;
  latency: Latency;
  /** Per node; node 1 holds the publisher, the others get messages across the bus. */
  perNode: Latency[];
  /** CPU µs of the server processes per delivered message. */
  serverMicrosPerDelivery: number;
  /** The same with the bus process (redis-server, Kafka) added. */
  withBusMicrosPerDelivery: number;
  machineBusyPercent: number;
  /** Interrupt work, one-core % (see CpuWindow). */
  irqPercent: number;
  /** CPU of processes the bench did not start, one-core % (see CpuWindow). */
  otherPercent: number;
  /** CPU µs of the load-generator processes per delivered message: the client's side. */
  loadgenMicrosPerDelivery: number;
  /** Times this step was repeated because other processes took CPU during it. */
  retries: number;
  processes: CpuUse[];
  publisherLate: number;
  saturated: string | undefined;
}

export interface FanoutRun {
  target: string;
  label: string;
  bus: BusKind;
  nodes: number;
  subscribers: number;
  steps: FanoutStep[];
  /** Highest offered deliveries/s whose step was not saturated. */
  maxSustained: number | undefined;
  /** How the sweep ended: saturated at a rate, or ran out of rates (then the true max is higher). */
  ended: string | undefined;
  error?: string;
}

export async function runFanout(target: Target, options: FanoutOptions, log: (line: string) => void): Promise<FanoutRun> {
  const run: FanoutRun = {
    target: target.id,
    label: target.label,
    bus: busFor(target, options.bus),
    nodes: 0,
    subscribers: options.subscribers,
    steps: [],
    maxSustained: undefined,
    ended: undefined,
  };
  try {
    await withSession(target, { bus: options.bus, nodes: options.nodes, workers: options.workers }, async (session) => {
      run.nodes = session.nodes;
      await prepare(session, options, log);
      // Warm-up: JIT and buffers, at the lowest rate, not recorded.
      await step(session, options, 1, options.rates[0]!, options.warmupMs);
      let saturatedOnce = false;
      for (const [i, rate] of options.rates.entries()) {
        let result = await step(session, options, 100 + i * 10, rate, options.stepMs);
        for (let retry = 1; retry <= options.disturbedRetries && result.otherPercent > DISTURBED_PERCENT && withinBudget(); retry++) {
          log(`  ${target.id.padEnd(11)} ${String(rate).padStart(7)}/s: other processes used ${result.otherPercent.toFixed(0)} % CPU during the step; repeating it`);
          result = { ...(await step(session, options, 100 + i * 10 + retry, rate, options.stepMs)), retries: retry };
        }
        run.steps.push(result);
        log(
          `  ${target.id.padEnd(11)} ${String(rate).padStart(7)}/s offered → ${String(Math.round(result.deliveredPerSec)).padStart(7)}/s delivered ` +
            `(${(result.deliveredRatio * 100).toFixed(1)} %), p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms, ` +
            `${result.serverMicrosPerDelivery.toFixed(2)} µs/delivery, machine ${result.machineBusyPercent.toFixed(0)} % busy` +
            (result.saturated ? `  SATURATED (${result.saturated})` : ''),
        );
        if (result.saturated) {
          run.ended ??= `saturated at ${rate}/s: ${result.saturated}`;
          saturatedOnce = true;
          if (rate >= options.mustRun) break;
        } else if (!saturatedOnce) run.maxSustained = rate;
      }
      run.ended ??= `not saturated up to ${options.rates.at(-1)} deliveries/s (the sweep's last rate)`;
    });
  } catch (error) {
    run.error = (error as Error).message;
    log(`  ${target.id}: FAILED: ${run.error}`);
  }
  return run;
}

/** Connects and subscribes everyone, then checks that a message reaches every subscriber
 *  (cross-node subscriptions propagate asynchronously on some servers). */
async function prepare(session: Session, options: FanoutOptions, log: (line: string) => void): Promise<void> {
  const { cluster, gen, target } = session;
  const connected = await gen.connect(cluster.urls, target.protocol, options.subscribers, 'fanout');
  if (connected.failed > 0) throw new Error(`${connected.failed} of ${options.subscribers} subscribers failed to connect: ${connected.errors.join('; ')}`);
  log(`  ${target.id}: ${connected.opened} subscribers on ${session.nodes} node(s) in ${(connected.ms / 1000).toFixed(1)} s`);
  await gen.startPublisher([cluster.urls[0]!], target.protocol, 1);
  for (let attempt = 0; attempt < 40; attempt++) {
    const probe = 9000 + attempt;
    await gen.publish(probe, 1000, 1, { kind: 'one', channel: 'bench' });
    await sleep(250);
    const received = (await gen.collect(probe, session.nodes)).reduce((s, h) => s + h.count, 0);
    if (received >= options.subscribers) return;
  }
  throw new Error('a probe message did not reach every subscriber within 10 s');
}

async function step(session: Session, options: FanoutOptions, id: number, offeredPerSec: number, durationMs: number): Promise<FanoutStep> {
  const watched = session.watched();
  const messagesPerSec = offeredPerSec / options.subscribers;
  const before = snapshot(watched);
  const published = await session.gen.publish(id, messagesPerSec, durationMs, { kind: 'one', channel: 'bench' });
  await sleep(options.graceMs);
  const after = snapshot(watched);
  const perNodeHist = await session.gen.collect(id, session.nodes);
  const all = new Histogram();
  for (const h of perNodeHist) all.merge(h);
  const cpu = cpuBetween(watched, before, after);
  const expected = published.sent * options.subscribers;
  const delivered = all.count;
  const latency = latencyOf(all);
  const deliveredRatio = expected > 0 ? delivered / expected : 0;
  const saturated =
    latency.p99 > SATURATION.p99Ms
      ? `p99 ${latency.p99} ms > ${SATURATION.p99Ms} ms`
      : deliveredRatio < SATURATION.deliveredRatio
        ? `delivered ${(deliveredRatio * 100).toFixed(1)} % < ${SATURATION.deliveredRatio * 100} %`
        : undefined;
  const server = roleMicros(cpu, 'server');
  return {
    offeredPerSec,
    messagesPerSec,
    sent: published.sent,
    expected,
    delivered,
    deliveredPerSec: delivered / (published.ms / 1000),
    deliveredRatio,
    latency,
    perNode: perNodeHist.map(latencyOf),
    serverMicrosPerDelivery: delivered > 0 ? server / delivered : Number.NaN,
    withBusMicrosPerDelivery: delivered > 0 ? (server + roleMicros(cpu, 'bus')) / delivered : Number.NaN,
    machineBusyPercent: cpu.machineBusyPercent,
    irqPercent: cpu.irqPercent,
    otherPercent: cpu.otherPercent,
    loadgenMicrosPerDelivery: delivered > 0 ? roleMicros(cpu, 'loadgen') / delivered : Number.NaN,
    retries: 0,
    processes: cpu.processes,
    publisherLate: published.late,
    saturated,
  };
}
