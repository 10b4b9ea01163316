// A load-generator process: holds a share of the bench's client connections, records the
// latency of every delivery it receives (per step, per server node) and answers the
// orchestrator over IPC. Several of these run side by side (bench/loadgen/pool.ts).
import { Histogram, type HistogramJson, monotonicMicros } from '../lib/histogram.js';
import { serveIpc, type Request } from '../lib/ipc-child.js';
import { BenchClient, localAddressFor, withConcurrency } from './client.js';
import { type ClientProtocol, readDelivery } from './protocol.js';

/** Which channels connection number `i` (global across workers) subscribes to. */
export type ChannelPlan = 'none' | 'fanout' | 'many' | 'private';

export function channelsFor(plan: ChannelPlan, i: number): string[] {
  if (plan === 'fanout') return ['bench'];
  if (plan === 'many') return [`c${i}`, 'shared'];
  if (plan === 'private') return [`c${i}`];
  return [];
}

export interface ConnectRequest extends Request {
  type: 'connect';
  urls: string[];
  protocol: ClientProtocol;
  /** Global index of this worker's first connection; connection i goes to urls[i % urls.length]. */
  from: number;
  count: number;
  plan: ChannelPlan;
  concurrency: number;
}

export interface ConnectResult {
  opened: number;
  failed: number;
  errors: string[];
  ms: number;
}

export interface StormRequest extends Request {
  type: 'storm';
  url: string;
  protocol: ClientProtocol;
  from: number;
  count: number;
  /** Connection attempts started per second by this worker. */
  rate: number;
}

export interface StormResult {
  opened: number;
  failed: number;
  errors: string[];
  /** From the first attempt to the last connection open (or failed), ms. */
  ms: number;
  /** From the first attempt to the last one started, ms: above count / rate, this
   *  process could not offer the rate asked of it. */
  offerMs: number;
  /** Time from starting an attempt to the connection being usable, µs. */
  handshake: HistogramJson;
  /** When each connection became usable, µs after the first attempt. */
  completed: HistogramJson;
}

export interface CollectResult {
  /** One latency histogram per server node (index into the urls). */
  perNode: HistogramJson[];
}

const clients: BenchClient[] = [];
let dropped = 0;
/** step → per-node histograms of that step's deliveries. */
const steps = new Map<number, Histogram[]>();
let nodes = 1;

function record(node: number, frame: Buffer): void {
  const delivery = readDelivery(frame);
  if (!delivery) return;
  let perNode = steps.get(delivery.step);
  if (!perNode) {
    perNode = Array.from({ length: nodes }, () => new Histogram());
    steps.set(delivery.step, perNode);
  }
  perNode[node]!.record(monotonicMicros() - delivery.sentMicros);
}

function track(client: BenchClient, node: number): void {
  client.onFrame = (frame) => record(node, frame);
  client.onClose = () => dropped++;
  clients.push(client);
}

async function connect(request: ConnectRequest): Promise<ConnectResult> {
  const began = performance.now();
  nodes = Math.max(nodes, request.urls.length);
  const errors = new Set<string>();
  const results = await withConcurrency(request.count, request.concurrency, async (k) => {
    const i = request.from + k;
    const node = i % request.urls.length;
    const client = await BenchClient.open({ url: request.urls[node]!, protocol: request.protocol, localAddress: localAddressFor(i) });
    track(client, node);
    await client.subscribe(channelsFor(request.plan, i));
  });
  for (const r of results) if (r.status === 'rejected') errors.add(String((r.reason as Error).message ?? r.reason));
  const failed = results.filter((r) => r.status === 'rejected').length;
  return { opened: request.count - failed, failed, errors: [...errors].slice(0, 5), ms: performance.now() - began };
}

/** Starts connection attempts at a fixed rate without waiting for earlier ones. Attempts
 *  are started in 1 ms ticks (those due by then), so the loop yields to the handshakes in
 *  flight instead of starting a late backlog in one synchronous burst. */
function storm(request: StormRequest): Promise<StormResult> {
  const handshake = new Histogram();
  const completed = new Histogram();
  const errors = new Set<string>();
  let opened = 0;
  let failed = 0;
  let started = 0;
  let offerMs = 0;
  const attempts: Promise<void>[] = [];
  const began = performance.now();
  const beganMicros = monotonicMicros();
  const attempt = (i: number): Promise<void> => {
    const start = monotonicMicros();
    return BenchClient.open({ url: request.url, protocol: request.protocol, localAddress: localAddressFor(i), timeoutMs: 30_000 }).then(
      (client) => {
        const now = monotonicMicros();
        handshake.record(now - start);
        completed.record(now - beganMicros);
        track(client, 0);
        opened++;
      },
      (error: Error) => {
        errors.add(error.message);
        failed++;
      },
    );
  };
  return new Promise((resolve) => {
    const tick = (): void => {
      const due = Math.min(request.count, Math.floor(((performance.now() - began) / 1000) * request.rate) + 1);
      for (; started < due; started++) attempts.push(attempt(request.from + started));
      if (started < request.count) {
        setTimeout(tick, 1);
        return;
      }
      offerMs = performance.now() - began;
      void Promise.all(attempts).then(() =>
        resolve({ opened, failed, errors: [...errors].slice(0, 5), ms: performance.now() - began, offerMs, handshake: handshake.toJSON(), completed: completed.toJSON() }),
      );
    };
    tick();
  });
}

serveIpc(async (request) => {
  switch (request.type) {
    case 'connect':
      return connect(request as ConnectRequest);
    case 'storm':
      return storm(request as StormRequest);
    case 'collect': {
      const step = request.step as number;
      const perNode = steps.get(step) ?? [];
      steps.delete(step);
      const result: CollectResult = { perNode: Array.from({ length: nodes }, (_, n) => (perNode[n] ?? new Histogram()).toJSON()) };
      return result;
    }
    case 'status':
      return { open: clients.filter((c) => c.ws.readyState === c.ws.OPEN).length, dropped };
    case 'closeAll': {
      for (const client of clients) {
        client.onClose = () => undefined;
        client.close();
      }
      clients.length = 0;
      steps.clear();
      dropped = 0;
      return { closed: true };
    }
    default:
      throw new Error(`unknown request ${request.type}`);
  }
});
