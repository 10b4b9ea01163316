import { withinBudget } from '../lib/budget.js';
import { type BusCounters, busCounters, countersBetween } from '../lib/bus-counters.js';
import { type Bus, startBus } from '../lib/buses.js';
import { Histogram } from '../lib/histogram.js';
import { cpuBetween, type CpuUse, type CpuWindow, roleMicros, snapshot, type Watched } from '../lib/proc-stats.js';
import { type Latency, latencyOf, sleep } from '../lib/summary.js';
import { BenchClient } from '../loadgen/client.js';
import { LoadGenerator } from '../loadgen/pool.js';
import type { Cluster, Target } from '../targets/target.js';
import { DISTURBED_PERCENT } from './fanout.js';

/**
 * History: what per-channel history costs Switchboard, and how fast it recovers.
 *
 * 1. Publish cost. `channels` clients over the nodes, client i alone on channel `c<i>`;
 *    one publisher connection on node 1 sends 64-byte messages to random channels at a
 *    fixed rate that saturates nothing. Two clusters, each with its own load generator,
 *    on the same bus server: one without history (HISTORY_CHANNELS unset), one with
 *    HISTORY_CHANNELS=`c*` covering every channel; their steps alternate (see runHistory).
 *    Per published message: CPU µs of the publishing node, of all nodes, of the bus
 *    process, and what the bus counted (Redis: calls per command from INFO commandstats;
 *    Kafka: records appended).
 * 2. Recovery, on the nodes with history. A subscriber on `c-recovery` records the
 *    position of the last message it saw and disconnects; `missed` messages are POSTed
 *    to /api/publish of the node it left; it reconnects to the other node and subscribes
 *    with `since`. Timed from sending that subscribe to receiving the last missed message
 *    (and to the `subscribed` reply). A try passes only if the reply says recovered and
 *    exactly the published messages arrive, each once, in the order of the offsets
 *    /api/publish answered with, with nothing extra within `settleMs`; anything else is
 *    a failed try, counted and described in the report.
 *
 * Switchboard only: the peers have no history.
 */
export interface HistoryBenchOptions {
  bus: 'redis' | 'kafka';
  nodes: number;
  /** Subscribers, each alone on its own channel (publish targets are random among them). */
  channels: number;
  /** Published messages/s over one connection on node 1. */
  ratePerSec: number;
  warmupMs: number;
  stepMs: number;
  /** Measured steps per configuration (their sum is the window). */
  steps: number;
  graceMs: number;
  workers: number;
  disturbedRetries: number;
  /** Disturbed steps are repeated only this long after the measured steps began (and within the run's budget). */
  retryWindowMs: number;
  /** HISTORY_SIZE and RECOVERY_MAX_MESSAGES of the nodes with history (≥ recovery.missed). */
  historySize: number;
  recoveryMax: number;
  recovery: RecoveryOptions | undefined;
}

export interface RecoveryOptions {
  tries: number;
  missed: number;
  /** HTTP publishes in flight at once. */
  publishConcurrency: number;
  /** Give up on a try after this long. */
  timeoutMs: number;
  /** After the last expected message, wait this long for extra (duplicate) ones. */
  settleMs: number;
}

export const HISTORY_GOALS = { publishCostRatio: 1.3, recoveryP99Ms: { redis: 50, kafka: 200 } } as const;
export const RECOVERY_CHANNEL = 'c-recovery';

export interface PublishCostStep {
  sent: number;
  delivered: number;
  deliveredRatio: number;
  latency: Latency;
  seconds: number;
  /** CPU µs per published message: node 1 (the publisher's), every node, the bus process. */
  publishingNodeMicros: number;
  nodesMicros: number;
  busMicros: number;
  machineBusyPercent: number;
  irqPercent: number;
  otherPercent: number;
  retries: number;
  processes: CpuUse[];
  publisherLate: number;
  /** What the bus counted during the step (see bus-counters.ts). */
  busCounts: Record<string, number>;
}

export interface PublishCost {
  history: boolean;
  /** The history settings the nodes ran with ({} = none). */
  env: Record<string, string>;
  steps: PublishCostStep[];
  /** Over all measured steps: total CPU ÷ total published. */
  sent: number;
  deliveredRatio: number;
  latency: Latency;
  publishingNodeMicros: number;
  nodesMicros: number;
  busMicros: number;
  otherPercentMax: number;
  roundTrips: RoundTrips;
}

export interface RoundTrips {
  /** Bus counts per published message over the measured steps. */
  perMessage: Record<string, number>;
  /** Requests a node sent to the bus per published message, when the bus lets us count them. */
  perPublish: number | undefined;
  /** How perPublish was derived, or why there is none. */
  note: string;
}

export interface RecoveryTry {
  n: number;
  /** Node (1-based) the subscriber came back on. */
  node: number;
  ok: boolean;
  problem?: string;
  recovered?: boolean;
  reason?: string;
  /** Missed messages received (within the timeout and settle time). */
  count: number;
  /** subscribe sent → `subscribed` reply, ms. */
  replyMs: number | undefined;
  /** subscribe sent → the last expected message, ms (when it arrived). */
  totalMs: number | undefined;
  /** Publishing the missed messages over HTTP took, ms. */
  publishMs: number;
}

export interface RecoveryResult {
  options: RecoveryOptions;
  tries: RecoveryTry[];
  ok: number;
  failed: number;
  /** Over the tries that passed, nearest rank (with 20 tries p99 is the max). */
  total: { p50: number; p99: number; max: number } | undefined;
  reply: { p50: number; p99: number; max: number } | undefined;
  /** CPU of every process over the whole recovery phase (HTTP publishing included). */
  otherPercent: number;
  processes: CpuUse[];
  seconds: number;
}

export interface HistoryRun {
  target: string;
  label: string;
  bus: 'redis' | 'kafka';
  nodes: number;
  without?: PublishCost;
  with?: PublishCost;
  /** with ÷ without, per published message. */
  ratio?: { publishingNode: number; nodes: number; nodesAndBus: number };
  recovery?: RecoveryResult;
  /** Set when the nodes could not run with history on this bus: what went wrong. */
  notAvailable?: string;
  seconds: number;
  error?: string;
}

/** One of the two clusters the publish cost compares: its nodes, load generator and settings. */
interface Side {
  history: boolean;
  /** What this side's nodes got beyond the bench's usual environment. */
  env: Record<string, string>;
  cluster: Cluster;
  gen: LoadGenerator;
  steps: PublishCostStep[];
}

/**
 * Both clusters run side by side on the one bus server, each under its own key prefix
 * (Redis) or topic (Kafka), and the steps alternate between them (off, on, on, off, …):
 * a test run starting elsewhere on the machine, or the bus warming up, then weighs on
 * both alike instead of on whichever went second. The idle cluster's processes are
 * watched as "standby", so they count neither for the measured side nor as other load.
 */
export async function runHistory(target: Target, options: HistoryBenchOptions, log: (line: string) => void): Promise<HistoryRun> {
  const began = performance.now();
  const run: HistoryRun = { target: target.id, label: target.label, bus: options.bus, nodes: options.nodes, seconds: 0 };
  let bus: Bus | undefined;
  const sides: Side[] = [];
  let counters: BusCounters | undefined;
  try {
    bus = await startBus(options.bus);
    const historyEnv = { HISTORY_CHANNELS: 'c*', HISTORY_SIZE: String(options.historySize), RECOVERY_MAX_MESSAGES: String(options.recoveryMax) };
    const offEnv = isolated(bus, 'off');
    const onEnv = { ...isolated(bus, 'on'), ...historyEnv };
    const [off, on] = await Promise.allSettled([target.start(options.nodes, bus, offEnv), target.start(options.nodes, bus, onEnv)]);
    if (off.status === 'rejected') {
      if (on.status === 'fulfilled') await on.value.stop().catch(() => undefined);
      throw off.reason;
    }
    sides.push({ history: false, env: offEnv, cluster: off.value, gen: new LoadGenerator(options.workers), steps: [] });
    if (on.status === 'fulfilled') sides.push({ history: true, env: onEnv, cluster: on.value, gen: new LoadGenerator(options.workers), steps: [] });
    else {
      run.notAvailable = `nodes with ${Object.entries(historyEnv).map(([k, v]) => `${k}=${v}`).join(' ')} did not start on ${options.bus}: ${firstLines((on.reason as Error).message)}`;
      log(`  ${target.id}: history NOT AVAILABLE on ${options.bus}: ${run.notAvailable}`);
    }
    counters = await busCounters(bus);
    const all = (): Watched[] => [
      ...sides.flatMap((side) => [...side.cluster.watched, ...side.gen.watched()]),
      ...bus!.watched,
      { role: 'orchestrator', name: 'orchestrator', pid: process.pid },
    ];
    /** What a step on `active` watches: its processes as they are, the other side's as standby. */
    const watchedFor = (active: Side) => (): Watched[] =>
      all().map((w) => (w.role === 'bus' || w.role === 'orchestrator' || active.cluster.watched.some((x) => x.pid === w.pid) || active.gen.watched().some((x) => x.pid === w.pid) ? w : { ...w, role: 'standby', name: `${w.name} (other cluster)` }));

    for (const side of sides) {
      const connected = await side.gen.connect(side.cluster.urls, target.protocol, options.channels, 'private');
      if (connected.failed > 0) throw new Error(`${connected.failed} of ${options.channels} clients failed to connect: ${connected.errors.join('; ')}`);
      await side.gen.startPublisher(side.cluster.urls.slice(0, 1), target.protocol, 1);
      await probe(side.gen, options);
      await step(side, watchedFor(side), options, counters, 1, options.warmupMs);
    }
    // Repeats of disturbed steps stop in time to keep the workload near its 2 minutes per bus.
    const retriesUntil = performance.now() + options.retryWindowMs;
    for (let i = 0; i < options.steps; i++) {
      for (const side of i % 2 === 0 ? sides : [...sides].reverse()) {
        let result = await step(side, watchedFor(side), options, counters, 100 + i * 10, options.stepMs);
        for (let retry = 1; retry <= options.disturbedRetries && result.otherPercent > DISTURBED_PERCENT && withinBudget() && performance.now() < retriesUntil; retry++) {
          log(`  history ${side.history ? 'on ' : 'off'}: other processes used ${result.otherPercent.toFixed(0)} % CPU during the step; repeating it`);
          result = { ...(await step(side, watchedFor(side), options, counters, 100 + i * 10 + retry, options.stepMs)), retries: retry };
        }
        side.steps.push(result);
      }
    }
    for (const side of sides) {
      const cost = summarize(side.history, side.env, side.steps, bus.kind);
      if (side.history) run.with = cost;
      else run.without = cost;
      log(
        `  ${target.id.padEnd(11)} ${options.bus} history ${side.history ? 'on ' : 'off'}: ${cost.sent} msgs at ${options.ratePerSec}/s to ${options.channels} channels, ` +
          `${(cost.deliveredRatio * 100).toFixed(1)} % delivered, p50/p99 ${cost.latency.p50}/${cost.latency.p99} ms; µs/msg: publishing node ${cost.publishingNodeMicros.toFixed(1)}, ` +
          `all nodes ${cost.nodesMicros.toFixed(1)}, bus ${cost.busMicros.toFixed(1)}; bus per publish: ${cost.roundTrips.perPublish?.toFixed(2) ?? '–'} (${cost.roundTrips.note})`,
      );
    }
    if (run.with && run.without) {
      const a = run.with;
      const b = run.without;
      run.ratio = { publishingNode: a.publishingNodeMicros / b.publishingNodeMicros, nodes: a.nodesMicros / b.nodesMicros, nodesAndBus: (a.nodesMicros + a.busMicros) / (b.nodesMicros + b.busMicros) };
      log(
        `  ${target.id.padEnd(11)} history costs ${run.ratio.publishingNode.toFixed(2)}× on the publishing node, ${run.ratio.nodes.toFixed(2)}× over all nodes, ` +
          `${run.ratio.nodesAndBus.toFixed(2)}× with the bus (goal ≤ ${HISTORY_GOALS.publishCostRatio}×)`,
      );
    }
    const withHistory = sides.find((side) => side.history);
    if (withHistory && options.recovery) {
      // The load generators are done: only the recovering subscriber and the HTTP publishes run now.
      await Promise.all(sides.map((side) => side.gen.stop().catch(() => undefined)));
      run.recovery = await recovery(withHistory.cluster, sides.map((side) => side.cluster).filter((c) => c !== withHistory.cluster), bus, options.recovery, log);
    }
  } catch (error) {
    run.error = (error as Error).message;
    log(`  ${target.id}: FAILED: ${run.error}`);
  } finally {
    await counters?.close().catch(() => undefined);
    for (const side of sides) {
      await side.gen.stop().catch(() => undefined);
      await side.cluster.stop().catch(() => undefined);
    }
    await bus?.stop().catch(() => undefined);
    run.seconds = (performance.now() - began) / 1000;
  }
  return run;
}

/** Settings that keep two clusters on one bus server apart. */
function isolated(bus: Bus, name: string): Record<string, string> {
  if (bus.kind === 'redis') return { REDIS_PREFIX: `bench-${name}:` };
  if (bus.kind === 'kafka') return { KAFKA_TOPIC: `bench.${name}`, KAFKA_GROUP_PREFIX: `bench.${name}` };
  return {};
}

function firstLines(text: string): string {
  return text.split('\n').slice(0, 12).join(' ').slice(0, 1200);
}

/** Waits until a message to the last channel reaches its subscriber (remote subscriptions propagate asynchronously). */
async function probe(gen: LoadGenerator, options: HistoryBenchOptions): Promise<void> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const id = 9000 + attempt;
    await gen.publish(id, 1000, 1, { kind: 'one', channel: `c${options.channels - 1}` });
    await sleep(250);
    if ((await gen.collect(id, options.nodes)).reduce((s, h) => s + h.count, 0) > 0) return;
  }
  throw new Error(`a probe message to c${options.channels - 1} did not arrive within 10 s`);
}

async function step(side: Side, watched: () => Watched[], options: HistoryBenchOptions, counters: BusCounters | undefined, id: number, durationMs: number): Promise<PublishCostStep> {
  const gen = side.gen;
  const list = watched();
  const countsBefore = (await counters?.read()) ?? {};
  const before = snapshot(list);
  const published = await gen.publish(id, options.ratePerSec, durationMs, { kind: 'random', channels: options.channels, sharedEvery: 0 });
  await sleep(options.graceMs);
  const after = snapshot(list);
  const countsAfter = (await counters?.read()) ?? {};
  const received = new Histogram();
  for (const h of await gen.collect(id, options.nodes)) received.merge(h);
  const cpu = cpuBetween(list, before, after);
  const per = (micros: number): number => (published.sent > 0 ? micros / published.sent : Number.NaN);
  return {
    sent: published.sent,
    delivered: received.count,
    deliveredRatio: published.sent > 0 ? received.count / published.sent : 0,
    latency: latencyOf(received),
    seconds: cpu.seconds,
    publishingNodeMicros: per(cpu.processes.find((p) => p.name === side.cluster.watched[0]?.name && p.role === 'server')?.cpuMicros ?? Number.NaN),
    nodesMicros: per(roleMicros(cpu, 'server')),
    busMicros: per(roleMicros(cpu, 'bus')),
    machineBusyPercent: cpu.machineBusyPercent,
    irqPercent: cpu.irqPercent,
    otherPercent: cpu.otherPercent,
    retries: 0,
    processes: cpu.processes,
    publisherLate: published.late,
    busCounts: countersBetween(countsBefore, countsAfter),
  };
}

function summarize(history: boolean, env: Record<string, string>, steps: PublishCostStep[], busKind: Bus['kind']): PublishCost {
  const sent = steps.reduce((s, x) => s + x.sent, 0);
  const weighted = (pick: (s: PublishCostStep) => number): number => steps.reduce((sum, s) => sum + pick(s) * s.sent, 0) / sent;
  const counts: Record<string, number> = {};
  for (const s of steps) for (const [k, v] of Object.entries(s.busCounts)) counts[k] = (counts[k] ?? 0) + v;
  // Our own probes of the bus, not the nodes' traffic.
  for (const own of ['info', 'client|setname', 'client|setinfo', 'hello']) delete counts[own];
  return {
    history,
    env,
    steps,
    sent,
    deliveredRatio: steps.reduce((s, x) => s + x.delivered, 0) / sent,
    // Steps keep summaries only: the step with the worst tail stands for the configuration.
    latency: steps.reduce((worst, s) => (s.latency.p99 > worst.p99 ? s.latency : worst), steps[0]!.latency),
    publishingNodeMicros: weighted((s) => s.publishingNodeMicros),
    nodesMicros: weighted((s) => s.nodesMicros),
    busMicros: weighted((s) => s.busMicros),
    otherPercentMax: Math.max(...steps.map((s) => s.otherPercent)),
    roundTrips: roundTrips(busKind, counts, sent),
  };
}

/**
 * Requests per published message a node sent to the bus. Redis counts a script's inner
 * commands under their own names: the history script runs exactly one XADD and one
 * PUBLISH (SPUBLISH in a cluster), so the PUBLISHes nodes sent themselves are
 * `publish + spublish − xadd`, and a node's requests are those plus EVALSHA (and EVAL,
 * its fallback after NOSCRIPT).
 */
function roundTrips(busKind: Bus['kind'], counts: Record<string, number>, sent: number): RoundTrips {
  const perMessage = Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v / sent] as const).sort((a, b) => b[1] - a[1]));
  if (busKind === 'redis') {
    const scripts = (counts.evalsha ?? 0) + (counts.eval ?? 0);
    // SPUBLISH: the script's publish command in Redis Cluster.
    const ownPublish = (counts.publish ?? 0) + (counts.spublish ?? 0) - (counts.xadd ?? 0);
    return {
      perMessage,
      perPublish: (scripts + ownPublish) / sent,
      note: `PUBLISH ${(ownPublish / sent).toFixed(3)} + EVALSHA/EVAL ${(scripts / sent).toFixed(3)} per message (a script's own PUBLISH not counted again; node heartbeats included)`,
    };
  }
  const records = Object.values(counts).reduce((s, v) => s + v, 0);
  return {
    perMessage,
    perPublish: undefined,
    note: `1 produce request per tick carrying every message published in that tick (ProducerBatcher); ${(records / sent).toFixed(3)} records appended per message`,
  };
}

// ---- recovery ----------------------------------------------------------------------

interface Position {
  offset: number;
  epoch: string;
}

interface Parsed {
  event?: string;
  id?: string | number;
  data?: { channel?: string; offset?: number; epoch?: string; recovered?: boolean; reason?: string; payload?: { n?: number; k?: number } };
}

const MESSAGE_EVENT = Buffer.from('"event":"message"');

/** One subscriber connection of the recovery phase (in the orchestrator: it is otherwise idle). */
class Subscriber {
  readonly frames: { at: number; frame: Buffer }[] = [];
  reply: Parsed | undefined;
  replyAt = 0;
  messages = 0;
  /** Resolves when `expect` messages were received (set before subscribing). */
  private want = Number.POSITIVE_INFINITY;
  private reached: (() => void) | undefined;
  lastAt = 0;

  readonly client: BenchClient;

  private constructor(client: BenchClient) {
    this.client = client;
    client.onFrame = (frame) => {
      const at = performance.now();
      if (frame.includes(MESSAGE_EVENT)) {
        this.frames.push({ at, frame });
        if (++this.messages === this.want) {
          this.lastAt = at;
          this.reached?.();
        }
      } else if (!this.reply && frame.includes('"event":"subscribed"')) {
        this.replyAt = at;
        this.reply = JSON.parse(frame.toString('utf8')) as Parsed;
      } else if (frame.includes('"event":"error"')) {
        this.reply ??= JSON.parse(frame.toString('utf8')) as Parsed;
        this.replyAt ||= at;
        this.reached?.();
      }
    };
  }

  static async open(url: string): Promise<Subscriber> {
    return new Subscriber(await BenchClient.open({ url, protocol: 'json' }));
  }

  /** Sends subscribe (with `since` when given) and resolves once `expect` messages arrived, or at the timeout. */
  subscribe(channel: string, since: Position | undefined, expect: number, timeoutMs: number): Promise<number> {
    this.want = expect;
    const sent = performance.now();
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(sent), timeoutMs);
      this.reached = () => {
        clearTimeout(timer);
        resolve(sent);
      };
      this.client.send(JSON.stringify({ event: 'subscribe', data: since ? { channel, since } : { channel }, id: 'rec' }));
    });
  }

  parsedMessages(): Parsed[] {
    return this.frames.map(({ frame }) => JSON.parse(frame.toString('utf8')) as Parsed);
  }

  close(): void {
    this.client.close();
  }
}

async function publishOverHttp(httpUrl: string, channel: string, count: number, concurrency: number, k: number): Promise<{ positions: (Position | undefined)[]; errors: string[] }> {
  const positions: (Position | undefined)[] = new Array(count);
  const errors = new Set<string>();
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) {
      const n = next++;
      try {
        const res = await fetch(`${httpUrl}/api/publish`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel, payload: { k, n } }) });
        const body = (await res.json()) as { offset?: number; epoch?: string };
        if (res.status !== 202 || typeof body.offset !== 'number' || typeof body.epoch !== 'string') errors.add(`HTTP ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
        else positions[n] = { offset: body.offset, epoch: body.epoch };
      } catch (error) {
        errors.add((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { positions, errors: [...errors].slice(0, 3) };
}

function rankStats(values: number[]): { p50: number; p99: number; max: number } | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
  return { p50: at(0.5), p99: at(0.99), max: sorted.at(-1)! };
}

async function recovery(cluster: Cluster, standby: Cluster[], bus: Bus, options: RecoveryOptions, log: (line: string) => void): Promise<RecoveryResult> {
  const began = performance.now();
  const watched: Watched[] = [
    ...cluster.watched,
    ...standby.flatMap((c) => c.watched.map((w) => ({ ...w, role: 'standby' as const, name: `${w.name} (other cluster)` }))),
    ...bus.watched,
    { role: 'orchestrator', name: 'orchestrator', pid: process.pid },
  ];
  const before = snapshot(watched);
  const channel = RECOVERY_CHANNEL;
  const nodes = cluster.urls.length;
  // The subscriber's first position: the last message it saw on node 1.
  let at = 0;
  let subscriber = await Subscriber.open(cluster.urls[at]!);
  const live = subscriber.subscribe(channel, undefined, 1, options.timeoutMs);
  for (let wait = 0; wait < 250 && !subscriber.reply; wait++) await sleep(20);
  const first = await publishOverHttp(cluster.httpUrls[at]!, channel, 1, 1, 0);
  await live;
  const seen = subscriber.parsedMessages().at(-1)?.data;
  if (!seen || typeof seen.offset !== 'number' || typeof seen.epoch !== 'string') {
    subscriber.close();
    throw new Error(`recovery: no position to start from (reply ${JSON.stringify(subscriber.reply)}, publish ${first.errors.join('; ') || 'ok'})`);
  }
  let position: Position = { offset: seen.offset, epoch: seen.epoch };
  const tries: RecoveryTry[] = [];
  for (let n = 1; n <= options.tries; n++) {
    subscriber.close();
    const published = await timed(() => publishOverHttp(cluster.httpUrls[at]!, channel, options.missed, options.publishConcurrency, n));
    at = (at + 1) % nodes;
    subscriber = await Subscriber.open(cluster.urls[at]!);
    const sent = await subscriber.subscribe(channel, position, options.missed, options.timeoutMs);
    await sleep(options.settleMs);
    const result = check(n, at + 1, subscriber, sent, published.value, position, published.ms);
    tries.push(result);
    if (!result.ok) log(`  recovery try ${n} on node ${at + 1} FAILED: ${result.problem}`);
    // Where the subscriber now stands: its last message, else what the reply said.
    const last = subscriber.parsedMessages().at(-1)?.data;
    const reply = subscriber.reply?.data;
    if (last && typeof last.offset === 'number' && typeof last.epoch === 'string') position = { offset: last.offset, epoch: last.epoch };
    else if (reply && typeof reply.offset === 'number' && typeof reply.epoch === 'string') position = { offset: reply.offset, epoch: reply.epoch };
  }
  subscriber.close();
  const cpu: CpuWindow = cpuBetween(watched, before, snapshot(watched));
  const passed = tries.filter((t) => t.ok);
  const result: RecoveryResult = {
    options,
    tries,
    ok: passed.length,
    failed: tries.length - passed.length,
    total: rankStats(passed.map((t) => t.totalMs!)),
    reply: rankStats(passed.map((t) => t.replyMs!)),
    otherPercent: cpu.otherPercent,
    processes: cpu.processes,
    seconds: (performance.now() - began) / 1000,
  };
  const s = result.total;
  log(
    `  recovery of ${options.missed} missed messages on ${bus.kind}: ${result.ok}/${tries.length} tries exact; subscribe → last message p50/p99/max ` +
      `${s ? `${s.p50.toFixed(1)}/${s.p99.toFixed(1)}/${s.max.toFixed(1)} ms` : '–'}, → reply p50 ${result.reply?.p50.toFixed(1) ?? '–'} ms; ${result.seconds.toFixed(1)} s`,
  );
  return result;
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const began = performance.now();
  const value = await run();
  return { value, ms: performance.now() - began };
}

function check(n: number, node: number, sub: Subscriber, sentAt: number, published: { positions: (Position | undefined)[]; errors: string[] }, since: Position, publishMs: number): RecoveryTry {
  const base = { n, node, count: sub.messages, publishMs, replyMs: sub.reply ? sub.replyAt - sentAt : undefined, totalMs: sub.lastAt ? sub.lastAt - sentAt : undefined };
  const fail = (problem: string): RecoveryTry => ({ ...base, ok: false, problem, recovered: sub.reply?.data?.recovered, reason: sub.reply?.data?.reason });
  if (published.errors.length > 0) return fail(`publishing failed: ${published.errors.join('; ')}`);
  if (!sub.reply) return fail(`no reply to subscribe within the timeout; ${sub.messages} messages`);
  if (sub.reply.event !== 'subscribed') return fail(`answered ${JSON.stringify(sub.reply).slice(0, 300)}`);
  if (sub.reply.data?.recovered !== true) return fail(`recovered: ${sub.reply.data?.recovered}, reason ${sub.reply.data?.reason} (since ${since.offset}@${since.epoch})`);
  // The expected stream: the publications in the order of the offsets /api/publish gave them.
  const expected = published.positions.map((p, i) => ({ offset: p!.offset, epoch: p!.epoch, n: i })).sort((a, b) => a.offset - b.offset);
  const messages = sub.parsedMessages().map((m) => m.data ?? {});
  if (messages.length !== expected.length) return fail(`${messages.length} messages instead of ${expected.length}${messages.length > expected.length ? ' (extra or duplicates)' : ''}`);
  for (let i = 0; i < expected.length; i++) {
    const got = messages[i]!;
    const want = expected[i]!;
    if (got.offset !== want.offset || got.epoch !== want.epoch || got.payload?.n !== want.n || got.payload?.k !== n) {
      return fail(`message ${i + 1}: offset ${got.offset}@${got.epoch} payload ${JSON.stringify(got.payload)}, expected offset ${want.offset}@${want.epoch} payload {k:${n},n:${want.n}}`);
    }
  }
  if (sub.reply.data?.epoch !== since.epoch) return fail(`reply epoch ${sub.reply.data?.epoch} ≠ ${since.epoch}`);
  return { ...base, ok: true, recovered: true };
}
