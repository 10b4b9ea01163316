// A load-generator process: holds a share of the bench's client connections, records the
// latency of every delivery it receives (per step, per server node) and answers the
// orchestrator over IPC. Several of these run side by side (bench/loadgen/pool.ts).
import { Histogram, type HistogramJson, monotonicMicros } from '../lib/histogram.js';
import { serveIpc, type Request } from '../lib/ipc-child.js';
import { BenchClient, localAddressFor, withConcurrency } from './client.js';
import type { Socket } from 'node:net';
import { type ClientProtocol, readDelivery, readMsgpackDelivery, wsFrameBytes } from './protocol.js';

/** Which channels connection number `i` (global across workers) subscribes to:
 *  `one:<name>` that one channel, `private:<prefix>` its own `<prefix><k>`, k counting
 *  from 0 within its connect call (`k` = i − the call's first index). */
export type ChannelPlan = 'none' | 'fanout' | 'many' | 'private' | `one:${string}` | `private:${string}`;

export function channelsFor(plan: ChannelPlan, i: number, k = i): string[] {
  if (plan === 'fanout') return ['bench'];
  if (plan === 'many') return [`c${i}`, 'shared'];
  if (plan === 'private') return [`c${i}`];
  if (plan.startsWith('one:')) return [plan.slice(4)];
  if (plan.startsWith('private:')) return [`${plan.slice(8)}${k}`];
  return [];
}

export interface ConnectRequest extends Request {
  type: 'connect';
  urls: string[];
  protocol: ClientProtocol;
  /** Global index of this worker's first connection; connection i goes to urls[i % urls.length]. */
  from: number;
  /** Global index of the connect call's first connection (over all workers), for `private:` plans. */
  base?: number;
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
  /** Bytes of the step's delivery frames as they came off the wire: payload + WebSocket header. */
  frameBytes: number;
  /** Of which the frames' payloads (the JSON text or the MessagePack bytes). */
  payloadBytes: number;
}

const clients: BenchClient[] = [];
let dropped = 0;
/** step → per-node histograms of that step's deliveries, and their bytes. */
const steps = new Map<number, { perNode: Histogram[]; payloadBytes: number; frameBytes: number }>();
let nodes = 1;

function record(node: number, frame: Buffer, protocol: ClientProtocol): void {
  const delivery = protocol === 'msgpack' ? readMsgpackDelivery(frame) : readDelivery(frame);
  if (!delivery) return;
  let step = steps.get(delivery.step);
  if (!step) {
    step = { perNode: Array.from({ length: nodes }, () => new Histogram()), payloadBytes: 0, frameBytes: 0 };
    steps.set(delivery.step, step);
  }
  step.perNode[node]!.record(monotonicMicros() - delivery.sentMicros);
  step.payloadBytes += frame.length;
  step.frameBytes += wsFrameBytes(frame.length);
}

/** Bytes every open connection has read from its TCP socket so far (handshakes included). */
function bytesRead(): number {
  let total = 0;
  for (const client of clients) total += (client.ws as unknown as { _socket?: Socket })._socket?.bytesRead ?? 0;
  return total;
}

function track(client: BenchClient, node: number): void {
  const protocol = client.protocol;
  client.onFrame = (frame) => record(node, frame, protocol);
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
    await client.subscribe(channelsFor(request.plan, i, i - (request.base ?? 0)));
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
      const id = request.step as number;
      const step = steps.get(id);
      steps.delete(id);
      const result: CollectResult = {
        perNode: Array.from({ length: nodes }, (_, n) => (step?.perNode[n] ?? new Histogram()).toJSON()),
        frameBytes: step?.frameBytes ?? 0,
        payloadBytes: step?.payloadBytes ?? 0,
      };
      return result;
    }
    case 'bytesRead':
      return { bytes: bytesRead() };
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
