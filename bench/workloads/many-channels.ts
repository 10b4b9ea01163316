import { withinBudget } from '../lib/budget.js';
import type { BusKind } from '../lib/buses.js';
import { Histogram } from '../lib/histogram.js';
import { cpuBetween, type CpuUse, roleMicros, snapshot } from '../lib/proc-stats.js';
import { type Latency, latencyOf, sleep } from '../lib/summary.js';
import type { Target } from '../targets/target.js';
import { DISTURBED_PERCENT, SATURATION } from './fanout.js';
import { busFor, type Session, withSession } from './session.js';

/**
 * Many channels: `clients` connections split over the nodes, client i subscribed to its
 * own channel `c<i>` and to `shared`. Publisher connections (one per node, so half the
 * private messages cross the bus) send 64-byte messages to random private channels and
 * every `sharedEvery`-th one to `shared`. This loads what fan-out does not: routing by
 * channel among thousands of them, per-channel bus subscriptions, and a publish per
 * delivery instead of one publish per thousand deliveries. Rates are offered messages/s,
 * stepped; the sweep stops at the first saturated step past `mustRun`.
 *
 * Saturated here means queueing: private p50 > 10 ms or < 95 % delivered. Not fan-out's
 * p99 > 50 ms: a shared message is a burst of 5,000 deliveries that takes 50-80 ms to
 * reach everyone on 2 cores at ANY rate (every server, measured), and private messages
 * published during a burst wait behind it, so p99 says how a server handles bursts (it
 * is reported) but not when it stops keeping up.
 */
export const MANY_SATURATION = { privateP50Ms: 10, deliveredRatio: SATURATION.deliveredRatio };

export interface ManyChannelsOptions {
  bus: BusKind;
  nodes: number;
  clients: number;
  /** With sharedEvery = clients, shared deliveries equal private ones at any rate. */
  sharedEvery: number;
  /** Offered messages/s per step, ascending. */
  rates: number[];
  stepMs: number;
  graceMs: number;
  warmupMs: number;
  workers: number;
  /** Steps up to this rate always run: the reference rate the ratios compare. */
  mustRun: number;
  disturbedRetries: number;
}

export interface ManyChannelsStep {
  offeredPerSec: number;
  sent: number;
  sentShared: number;
  expected: number;
  delivered: number;
  deliveredPerSec: number;
  deliveredRatio: number;
  /** Deliveries of private messages (one subscriber each). */
  private: Latency;
  /** Deliveries of messages to `shared` (every client). */
  shared: Latency;
  all: Latency;
  serverMicrosPerDelivery: number;
  withBusMicrosPerDelivery: number;
  loadgenMicrosPerDelivery: number;
  machineBusyPercent: number;
  irqPercent: number;
  otherPercent: number;
  retries: number;
  processes: CpuUse[];
  publisherLate: number;
  saturated: string | undefined;
}

export interface ManyChannelsRun {
  target: string;
  label: string;
  bus: BusKind;
  nodes: number;
  steps: ManyChannelsStep[];
  /** Highest offered messages/s whose step was not saturated. */
  maxSustained: number | undefined;
  ended: string | undefined;
  error?: string;
}

export async function runManyChannels(target: Target, options: ManyChannelsOptions, log: (line: string) => void): Promise<ManyChannelsRun> {
  const run: ManyChannelsRun = { target: target.id, label: target.label, bus: busFor(target, options.bus), nodes: 0, steps: [], maxSustained: undefined, ended: undefined };
  try {
    await withSession(target, options, async (session) => {
      run.nodes = session.nodes;
      await prepare(session, options, log);
      await step(session, options, 1, options.rates[0]!, options.warmupMs);
      let saturatedOnce = false;
      for (const [i, rate] of options.rates.entries()) {
        // Step ids leave room for the shared messages' id + 1 (see publisher.ts) and retries.
        let result = await step(session, options, 100 + i * 10, rate, options.stepMs);
        for (let retry = 1; retry <= options.disturbedRetries && result.otherPercent > DISTURBED_PERCENT && withinBudget(); retry++) {
          log(`  ${target.id.padEnd(11)} ${String(rate).padStart(6)} msgs/s: other processes used ${result.otherPercent.toFixed(0)} % CPU during the step; repeating it`);
          result = { ...(await step(session, options, 100 + i * 10 + retry * 2, rate, options.stepMs)), retries: retry };
        }
        run.steps.push(result);
        log(
          `  ${target.id.padEnd(11)} ${String(rate).padStart(6)} msgs/s → ${String(Math.round(result.deliveredPerSec)).padStart(6)} deliveries/s ` +
            `(${(result.deliveredRatio * 100).toFixed(1)} %), private p50/p99 ${result.private.p50}/${result.private.p99} ms, shared p99 ${result.shared.p99} ms, ` +
            `${result.serverMicrosPerDelivery.toFixed(2)} µs/delivery, machine ${result.machineBusyPercent.toFixed(0)} % busy` +
            (result.saturated ? `  SATURATED (${result.saturated})` : ''),
        );
        if (result.saturated) {
          run.ended ??= `saturated at ${rate} msgs/s: ${result.saturated}`;
          saturatedOnce = true;
          if (rate >= options.mustRun) break;
        } else if (!saturatedOnce) run.maxSustained = rate;
      }
      run.ended ??= `not saturated up to ${options.rates.at(-1)} msgs/s (the sweep's last rate)`;
    });
  } catch (error) {
    run.error = (error as Error).message;
    log(`  ${target.id}: FAILED: ${run.error}`);
  }
  return run;
}

/** Connects and subscribes everyone, then waits until a shared message reaches every
 *  client (remote subscriptions propagate asynchronously on some servers). */
async function prepare(session: Session, options: ManyChannelsOptions, log: (line: string) => void): Promise<void> {
  const { cluster, gen, target } = session;
  const connected = await gen.connect(cluster.urls, target.protocol, options.clients, 'many');
  if (connected.failed > 0) throw new Error(`${connected.failed} of ${options.clients} clients failed to connect: ${connected.errors.join('; ')}`);
  log(`  ${target.id}: ${connected.opened} clients on ${session.nodes} node(s), 2 channels each, in ${(connected.ms / 1000).toFixed(1)} s`);
  await gen.startPublisher(cluster.urls, target.protocol, cluster.urls.length);
  for (let attempt = 0; attempt < 40; attempt++) {
    const probe = 9000 + attempt;
    await gen.publish(probe, 1000, 1, { kind: 'one', channel: 'shared' });
    await sleep(250);
    const received = (await gen.collect(probe, session.nodes)).reduce((s, h) => s + h.count, 0);
    if (received >= options.clients) return;
  }
  throw new Error('a probe message to the shared channel did not reach every client within 10 s');
}

function merged(perNode: Histogram[]): Histogram {
  const all = new Histogram();
  for (const h of perNode) all.merge(h);
  return all;
}

async function step(session: Session, options: ManyChannelsOptions, id: number, offeredPerSec: number, durationMs: number): Promise<ManyChannelsStep> {
  const watched = session.watched();
  const before = snapshot(watched);
  const published = await session.gen.publish(id, offeredPerSec, durationMs, { kind: 'random', channels: options.clients, sharedEvery: options.sharedEvery });
  await sleep(options.graceMs);
  const after = snapshot(watched);
  const privateHist = merged(await session.gen.collect(id, session.nodes));
  const sharedHist = merged(await session.gen.collect(id + 1, session.nodes));
  const all = new Histogram();
  all.merge(privateHist);
  all.merge(sharedHist);
  const cpu = cpuBetween(watched, before, after);
  const expected = published.sent - published.sentShared + published.sentShared * options.clients;
  const delivered = all.count;
  const deliveredRatio = expected > 0 ? delivered / expected : 0;
  const privateP50 = latencyOf(privateHist).p50;
  const saturated =
    deliveredRatio < MANY_SATURATION.deliveredRatio
      ? `delivered ${(deliveredRatio * 100).toFixed(1)} % < ${MANY_SATURATION.deliveredRatio * 100} %`
      : privateP50 > MANY_SATURATION.privateP50Ms
        ? `private p50 ${privateP50} ms > ${MANY_SATURATION.privateP50Ms} ms`
        : undefined;
  const server = roleMicros(cpu, 'server');
  const per = (micros: number): number => (delivered > 0 ? micros / delivered : Number.NaN);
  return {
    offeredPerSec,
    sent: published.sent,
    sentShared: published.sentShared,
    expected,
    delivered,
    deliveredPerSec: delivered / (published.ms / 1000),
    deliveredRatio,
    private: latencyOf(privateHist),
    shared: latencyOf(sharedHist),
    all: latencyOf(all),
    serverMicrosPerDelivery: per(server),
    withBusMicrosPerDelivery: per(server + roleMicros(cpu, 'bus')),
    loadgenMicrosPerDelivery: per(roleMicros(cpu, 'loadgen')),
    machineBusyPercent: cpu.machineBusyPercent,
    irqPercent: cpu.irqPercent,
    otherPercent: cpu.otherPercent,
    retries: 0,
    processes: cpu.processes,
    publisherLate: published.late,
    saturated,
  };
}
