import { withinBudget } from '../lib/budget.js';
import { Histogram } from '../lib/histogram.js';
import { cpuBetween, type CpuUse, roleMicros, snapshot } from '../lib/proc-stats.js';
import { type Latency, latencyOf, sleep } from '../lib/summary.js';
import type { ChannelPlan } from '../loadgen/worker.js';
import type { Target as PublishTarget } from '../loadgen/publisher.js';
import type { ClientProtocol, PayloadKind } from '../loadgen/protocol.js';
import type { Target } from '../targets/target.js';
import { DISTURBED_PERCENT } from './fanout.js';
import { type Session, withSession } from './session.js';

/**
 * Wire formats (Switchboard only: the peers speak JSON): what `switchboard.msgpack` costs
 * and saves next to `switchboard.json`, on one cluster (Redis, 2 nodes) that holds every
 * variant's subscribers at once, the variants taking turns step by step (round 1 in order,
 * round 2 reversed, …) so that drift and load elsewhere weigh on all alike.
 *
 * 1. Fan-out: per variant `subscribers` clients on a channel of their own (split evenly
 *    over the nodes, each format half of a mixed channel too), one publisher connection on
 *    node 1 at a fixed, unsaturated rate in deliveries/s. Per delivery: bytes on the wire
 *    (the frame's payload + its WebSocket header, counted by the load generator for every
 *    delivery; the TCP bytes its sockets read as a check), server CPU µs, bus and load
 *    generator µs, latency.
 * 2. Publish path (many-channels shape): `channels` JSON clients each alone on `pj<i>` and
 *    as many MessagePack clients on `pm<i>`; publisher connections on node 1 (one JSON,
 *    one MessagePack) send to random channels of one set at a moderate rate. Per
 *    published message: CPU µs of the publishing node (node 1) and of all nodes, of the
 *    bus and of the publisher process, and the publish frame's bytes.
 *
 * Payloads (bench/loadgen/protocol.ts): `realistic` ≈ 200 bytes of JSON (an object with
 * a nested object, strings, numbers, a boolean, an array), `binary` the same plus a 1 KiB
 * byte string (MessagePack `bin`; JSON subscribers get it as `{"$binary": "<base64>"}`).
 */
export interface FormatsOptions {
  bus: 'redis';
  nodes: number;
  workers: number;
  fanout: { subscribers: number; deliveriesPerSec: number; variants: FanoutVariantId[] };
  publish: { channels: number; ratePerSec: number; variants: PublishVariantId[] };
  stepMs: number;
  graceMs: number;
  /** Unrecorded steps of this length before the rounds, `warmupRounds` per variant, taking turns like the measured ones. */
  warmupMs: number;
  warmupRounds: number;
  /** Measured steps per variant; the order reverses every other round. */
  rounds: number;
  disturbedRetries: number;
}

export type FanoutVariantId = 'json' | 'msgpack' | 'mixed' | 'msgpack-binary' | 'json-binary';
export type PublishVariantId = 'json-json' | 'msgpack-json' | 'msgpack-msgpack' | 'json-msgpack';

interface FanoutVariant {
  label: string;
  /** Share of the subscribers per format. */
  split: Partial<Record<'json' | 'msgpack', number>>;
  publisher: 'json' | 'msgpack';
  payload: PayloadKind;
}

export const FANOUT_VARIANTS: Record<FanoutVariantId, FanoutVariant> = {
  json: { label: 'all JSON', split: { json: 1 }, publisher: 'json', payload: 'realistic' },
  msgpack: { label: 'all MessagePack', split: { msgpack: 1 }, publisher: 'msgpack', payload: 'realistic' },
  mixed: { label: 'half JSON, half MessagePack', split: { json: 0.5, msgpack: 0.5 }, publisher: 'json', payload: 'realistic' },
  'msgpack-binary': { label: 'all MessagePack, + 1 KiB bin', split: { msgpack: 1 }, publisher: 'msgpack', payload: 'binary' },
  'json-binary': { label: 'all JSON, + 1 KiB bin (as base64)', split: { json: 1 }, publisher: 'msgpack', payload: 'binary' },
};

interface PublishVariant {
  label: string;
  publisher: 'json' | 'msgpack';
  subscribers: 'json' | 'msgpack';
}

export const PUBLISH_VARIANTS: Record<PublishVariantId, PublishVariant> = {
  'json-json': { label: 'JSON → JSON subscribers', publisher: 'json', subscribers: 'json' },
  'msgpack-json': { label: 'MessagePack → JSON subscribers', publisher: 'msgpack', subscribers: 'json' },
  'msgpack-msgpack': { label: 'MessagePack → MessagePack subscribers', publisher: 'msgpack', subscribers: 'msgpack' },
  'json-msgpack': { label: 'JSON → MessagePack subscribers', publisher: 'json', subscribers: 'msgpack' },
};

export interface FormatsStep {
  sent: number;
  expected: number;
  delivered: number;
  seconds: number;
  /** Delivery frames' payload bytes and payload + WebSocket header, as received. */
  payloadBytes: number;
  frameBytes: number;
  /** TCP bytes the load generator's sockets read during the step (a check on frameBytes). */
  socketBytes: number;
  /** Publish frames sent: payload + masked header. */
  publishFrameBytes: number;
  latency: Latency;
  serverMicros: number;
  /** CPU µs of node 1 (the publisher's node). */
  publishingNodeMicros: number;
  busMicros: number;
  loadgenMicros: number;
  publisherMicros: number;
  machineBusyPercent: number;
  irqPercent: number;
  otherPercent: number;
  retries: number;
  processes: CpuUse[];
  publisherLate: number;
}

/** One variant over all its measured steps: sums, and per-delivery / per-message figures from them. */
export interface FormatsVariantResult {
  id: string;
  label: string;
  publisher: ClientProtocol;
  payload: PayloadKind;
  /** Subscribers per format. */
  subscribers: Partial<Record<'json' | 'msgpack', number>>;
  steps: FormatsStep[];
  sent: number;
  delivered: number;
  deliveredRatio: number;
  latency: Latency;
  /** Per delivery. */
  payloadBytesPerDelivery: number;
  frameBytesPerDelivery: number;
  socketBytesPerDelivery: number;
  serverMicrosPerDelivery: number;
  busMicrosPerDelivery: number;
  loadgenMicrosPerDelivery: number;
  /** Per published message. */
  publishFrameBytes: number;
  publishingNodeMicrosPerMessage: number;
  nodesMicrosPerMessage: number;
  busMicrosPerMessage: number;
  publisherMicrosPerMessage: number;
  otherPercentMax: number;
}

export interface FormatsRun {
  target: string;
  label: string;
  bus: 'redis';
  nodes: number;
  fanout: FormatsVariantResult[];
  publish: FormatsVariantResult[];
  seconds: number;
  error?: string;
}

/** A variant as the step loop sees it. */
interface Variant {
  kind: 'fanout' | 'publish';
  id: string;
  label: string;
  publisher: 'json' | 'msgpack';
  payload: PayloadKind;
  subscribers: Partial<Record<'json' | 'msgpack', number>>;
  target: PublishTarget;
  /** Messages/s published. */
  rate: number;
  /** Deliveries per published message. */
  fanout: number;
  steps: FormatsStep[];
}

export async function runFormats(target: Target, options: FormatsOptions, log: (line: string) => void): Promise<FormatsRun> {
  const began = performance.now();
  const run: FormatsRun = { target: target.id, label: target.label, bus: options.bus, nodes: 0, fanout: [], publish: [], seconds: 0 };
  if (target.id !== 'switchboard') throw new Error('the formats workload runs on Switchboard only');
  const plans = planVariants(options);
  try {
    await withSession(target, { bus: options.bus, nodes: options.nodes, workers: options.workers }, async (session) => {
      run.nodes = session.nodes;
      await prepare(session, options, plans, log);
      let id = 100;
      // The first turns cost more than later ones (JIT, heap growth): they are the warm-up.
      for (let round = 0; round < options.warmupRounds; round++) for (const plan of round % 2 === 0 ? plans : [...plans].reverse()) await step(session, options, plan, id++, options.warmupMs);
      for (let round = 0; round < options.rounds; round++) {
        for (const plan of round % 2 === 0 ? plans : [...plans].reverse()) {
          let result = await step(session, options, plan, id++, options.stepMs);
          for (let retry = 1; retry <= options.disturbedRetries && result.otherPercent > DISTURBED_PERCENT && withinBudget(); retry++) {
            log(`  formats ${plan.id}: other processes used ${result.otherPercent.toFixed(0)} % CPU during the step; repeating it`);
            result = { ...(await step(session, options, plan, id++, options.stepMs)), retries: retry };
          }
          plan.steps.push(result);
        }
      }
    });
    for (const plan of plans) {
      const result = summarize(plan);
      (plan.kind === 'fanout' ? run.fanout : run.publish).push(result);
      log(
        plan.kind === 'fanout'
          ? `  fan-out ${result.label.padEnd(34)} ${result.frameBytesPerDelivery.toFixed(0).padStart(5)} B/delivery on the wire, server ${result.serverMicrosPerDelivery.toFixed(2)} µs/delivery ` +
              `(bus ${result.busMicrosPerDelivery.toFixed(2)}, loadgen ${result.loadgenMicrosPerDelivery.toFixed(2)}), p50/p99 ${result.latency.p50}/${result.latency.p99} ms, ${(result.deliveredRatio * 100).toFixed(1)} % delivered`
          : `  publish ${result.label.padEnd(38)} ${result.publishFrameBytes.toFixed(0).padStart(4)} B/publish, µs/msg: publishing node ${result.publishingNodeMicrosPerMessage.toFixed(1)}, ` +
              `all nodes ${result.nodesMicrosPerMessage.toFixed(1)}, bus ${result.busMicrosPerMessage.toFixed(1)}, publisher ${result.publisherMicrosPerMessage.toFixed(1)}; p50/p99 ${result.latency.p50}/${result.latency.p99} ms, ${(result.deliveredRatio * 100).toFixed(1)} % delivered`,
      );
    }
  } catch (error) {
    run.error = (error as Error).message;
    log(`  ${target.id}: FAILED: ${run.error}`);
  }
  run.seconds = (performance.now() - began) / 1000;
  return run;
}

function planVariants(options: FormatsOptions): Variant[] {
  const plans: Variant[] = [];
  const f = options.fanout;
  // Channel names of equal length, so that no variant's frames are longer for its name.
  f.variants.forEach((id, k) => {
    const v = FANOUT_VARIANTS[id];
    const subscribers: Variant['subscribers'] = {};
    let left = f.subscribers;
    for (const [format, share] of Object.entries(v.split) as ['json' | 'msgpack', number][]) {
      const n = Math.min(left, Math.round(f.subscribers * share));
      subscribers[format] = n;
      left -= n;
    }
    plans.push({ kind: 'fanout', id, label: v.label, publisher: v.publisher, payload: v.payload, subscribers, target: { kind: 'one', channel: `fmt:${k}` }, rate: f.deliveriesPerSec / f.subscribers, fanout: f.subscribers, steps: [] });
  });
  for (const id of options.publish.variants) {
    const v = PUBLISH_VARIANTS[id];
    plans.push({
      kind: 'publish',
      id,
      label: v.label,
      publisher: v.publisher,
      payload: 'realistic',
      subscribers: { [v.subscribers]: options.publish.channels },
      target: { kind: 'random', channels: options.publish.channels, sharedEvery: 0, prefix: v.subscribers === 'json' ? 'pj' : 'pm' },
      rate: options.publish.ratePerSec,
      fanout: 1,
      steps: [],
    });
  }
  return plans;
}

/** Connects every variant's subscribers and both publishers, then probes each channel set until it delivers. */
async function prepare(session: Session, options: FormatsOptions, plans: Variant[], log: (line: string) => void): Promise<void> {
  const { cluster, gen } = session;
  let from = 0;
  const connect = async (protocol: ClientProtocol, count: number, plan: ChannelPlan): Promise<void> => {
    const connected = await gen.connect(cluster.urls, protocol, count, plan, from);
    from += count;
    if (connected.failed > 0) throw new Error(`${connected.failed} of ${count} ${protocol} subscribers (${plan}) failed to connect: ${connected.errors.join('; ')}`);
  };
  const t0 = performance.now();
  for (const plan of plans.filter((p) => p.kind === 'fanout')) {
    const channel = (plan.target as { channel: string }).channel;
    for (const [format, n] of Object.entries(plan.subscribers) as ['json' | 'msgpack', number][]) await connect(format, n, `one:${channel}`);
  }
  const privateSets = [...new Set(plans.filter((p) => p.kind === 'publish').map((p) => Object.keys(p.subscribers)[0] as 'json' | 'msgpack'))];
  for (const format of privateSets) await connect(format, options.publish.channels, `private:${format === 'json' ? 'pj' : 'pm'}`);
  log(`  ${session.target.id}: ${from} subscribers (${plans.filter((p) => p.kind === 'fanout').length} fan-out channels of ${options.fanout.subscribers}, ${privateSets.length} × ${options.publish.channels} private channels) on ${session.nodes} nodes in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await gen.startPublisher(cluster.urls.slice(0, 1), 'json', 1);
  await gen.startPublisher(cluster.urls.slice(0, 1), 'msgpack', 1);
  let probe = 50_000;
  const probeUntil = async (channel: string, expect: number, protocol: ClientProtocol): Promise<void> => {
    for (let attempt = 0; attempt < 40; attempt++) {
      const id = probe++;
      await gen.publish(id, 1000, 1, { kind: 'one', channel }, { protocol, payload: 'realistic' });
      await sleep(250);
      if ((await gen.collect(id, session.nodes)).reduce((s, h) => s + h.count, 0) >= expect) return;
    }
    throw new Error(`a probe message to ${channel} did not reach its ${expect} subscriber(s) within 10 s`);
  };
  for (const plan of plans.filter((p) => p.kind === 'fanout')) await probeUntil((plan.target as { channel: string }).channel, plan.fanout, plan.publisher);
  for (const format of privateSets) await probeUntil(`${format === 'json' ? 'pj' : 'pm'}${options.publish.channels - 1}`, 1, 'json');
}

async function step(session: Session, options: FormatsOptions, plan: Variant, id: number, durationMs: number): Promise<FormatsStep> {
  const { gen, cluster } = session;
  const watched = session.watched();
  const socketBefore = await gen.bytesRead();
  const before = snapshot(watched);
  const published = await gen.publish(id, plan.rate, durationMs, plan.target, { protocol: plan.publisher, payload: plan.payload });
  await sleep(options.graceMs);
  const after = snapshot(watched);
  const socketAfter = await gen.bytesRead();
  const collected = await gen.collectWithBytes(id, session.nodes);
  const all = new Histogram();
  for (const h of collected.perNode) all.merge(h);
  const cpu = cpuBetween(watched, before, after);
  const node1 = cluster.watched[0]?.name;
  return {
    sent: published.sent,
    expected: published.sent * plan.fanout,
    delivered: all.count,
    seconds: cpu.seconds,
    payloadBytes: collected.payloadBytes,
    frameBytes: collected.frameBytes,
    socketBytes: socketAfter - socketBefore,
    publishFrameBytes: published.frameBytes,
    latency: latencyOf(all),
    serverMicros: roleMicros(cpu, 'server'),
    publishingNodeMicros: cpu.processes.find((p) => p.role === 'server' && p.name === node1)?.cpuMicros ?? Number.NaN,
    busMicros: roleMicros(cpu, 'bus'),
    loadgenMicros: roleMicros(cpu, 'loadgen'),
    publisherMicros: roleMicros(cpu, 'publisher'),
    machineBusyPercent: cpu.machineBusyPercent,
    irqPercent: cpu.irqPercent,
    otherPercent: cpu.otherPercent,
    retries: 0,
    processes: cpu.processes,
    publisherLate: published.late,
  };
}

function summarize(plan: Variant): FormatsVariantResult {
  const sum = (pick: (s: FormatsStep) => number): number => plan.steps.reduce((total, s) => total + pick(s), 0);
  const sent = sum((s) => s.sent);
  const delivered = sum((s) => s.delivered);
  const perDelivery = (pick: (s: FormatsStep) => number): number => (delivered > 0 ? sum(pick) / delivered : Number.NaN);
  const perMessage = (pick: (s: FormatsStep) => number): number => (sent > 0 ? sum(pick) / sent : Number.NaN);
  return {
    id: plan.id,
    label: plan.label,
    publisher: plan.publisher,
    payload: plan.payload,
    subscribers: plan.subscribers,
    steps: plan.steps,
    sent,
    delivered,
    deliveredRatio: sent > 0 ? delivered / sum((s) => s.expected) : 0,
    // Steps keep summaries only: the step with the worst tail stands for the variant.
    latency: plan.steps.reduce((worst, s) => (s.latency.p99 > worst.p99 ? s.latency : worst), plan.steps[0]!.latency),
    payloadBytesPerDelivery: perDelivery((s) => s.payloadBytes),
    frameBytesPerDelivery: perDelivery((s) => s.frameBytes),
    socketBytesPerDelivery: perDelivery((s) => s.socketBytes),
    serverMicrosPerDelivery: perDelivery((s) => s.serverMicros),
    busMicrosPerDelivery: perDelivery((s) => s.busMicros),
    loadgenMicrosPerDelivery: perDelivery((s) => s.loadgenMicros),
    publishFrameBytes: perMessage((s) => s.publishFrameBytes),
    publishingNodeMicrosPerMessage: perMessage((s) => s.publishingNodeMicros),
    nodesMicrosPerMessage: perMessage((s) => s.serverMicros),
    busMicrosPerMessage: perMessage((s) => s.busMicros),
    publisherMicrosPerMessage: perMessage((s) => s.publisherMicros),
    otherPercentMax: Math.max(...plan.steps.map((s) => s.otherPercent)),
  };
}
