import { Histogram } from '../lib/histogram.js';
import { IpcChild } from '../lib/ipc-child.js';
import type { Watched } from '../lib/proc-stats.js';
import type { PublishResult, PublishStep, Target } from './publisher.js';
import type { ClientProtocol, PayloadKind } from './protocol.js';
import type { ChannelPlan, CollectResult, ConnectRequest, ConnectResult, StormRequest, StormResult } from './worker.js';

/**
 * The orchestrator's handle on the load generator: `workers` subscriber processes that
 * split the connections evenly, plus one publisher process. Each is its own OS process
 * so its CPU shows up separately in the report.
 */
export class LoadGenerator {
  readonly workers: IpcChild[];
  private publisherChild: IpcChild | undefined;

  constructor(workers: number) {
    this.workers = Array.from({ length: workers }, (_, w) => new IpcChild(`loadgen#${w + 1}`, new URL('./worker.ts', import.meta.url)));
  }

  watched(): Watched[] {
    const list: Watched[] = this.workers.map((w) => ({ role: 'loadgen', name: w.name, pid: w.pid }));
    if (this.publisherChild) list.push({ role: 'publisher', name: 'publisher', pid: this.publisherChild.pid });
    return list;
  }

  /** Opens `count` connections spread over the workers and `urls`, and subscribes them. */
  async connect(urls: string[], protocol: ClientProtocol, count: number, plan: ChannelPlan, from = 0): Promise<ConnectResult> {
    const shares = split(count, this.workers.length);
    let offset = from;
    const results = await Promise.all(
      this.workers.map((worker, w) => {
        const request: ConnectRequest = { type: 'connect', urls, protocol, from: offset, base: from, count: shares[w]!, plan, concurrency: 100 };
        offset += shares[w]!;
        return worker.request<ConnectResult>(request, 300_000);
      }),
    );
    return {
      opened: results.reduce((s, r) => s + r.opened, 0),
      failed: results.reduce((s, r) => s + r.failed, 0),
      errors: [...new Set(results.flatMap((r) => r.errors))].slice(0, 5),
      ms: Math.max(...results.map((r) => r.ms)),
    };
  }

  /** Opens `count` connections at `rate` attempts/s in total, without waiting on each other. */
  async storm(url: string, protocol: ClientProtocol, count: number, rate: number, from = 0): Promise<{ opened: number; failed: number; errors: string[]; ms: number; offerMs: number; handshake: Histogram; completed: Histogram }> {
    const shares = split(count, this.workers.length);
    let offset = from;
    const results = await Promise.all(
      this.workers.map((worker, w) => {
        const request: StormRequest = { type: 'storm', url, protocol, from: offset, count: shares[w]!, rate: (rate * shares[w]!) / count };
        offset += shares[w]!;
        return worker.request<StormResult>(request, 300_000);
      }),
    );
    const handshake = new Histogram();
    const completed = new Histogram();
    for (const r of results) {
      handshake.merge(r.handshake);
      completed.merge(r.completed);
    }
    return {
      opened: results.reduce((s, r) => s + r.opened, 0),
      failed: results.reduce((s, r) => s + r.failed, 0),
      errors: [...new Set(results.flatMap((r) => r.errors))].slice(0, 5),
      ms: Math.max(...results.map((r) => r.ms)),
      offerMs: Math.max(...results.map((r) => r.offerMs)),
      handshake,
      completed,
    };
  }

  async status(): Promise<{ open: number; dropped: number }> {
    const all = await Promise.all(this.workers.map((w) => w.request<{ open: number; dropped: number }>({ type: 'status' })));
    return { open: all.reduce((s, r) => s + r.open, 0), dropped: all.reduce((s, r) => s + r.dropped, 0) };
  }

  /** Opens `count` publisher connections speaking `protocol` (calling it again with another
   *  protocol adds connections of that one: a step then picks which speak, see publish). */
  async startPublisher(urls: string[], protocol: ClientProtocol, count: number): Promise<void> {
    this.publisherChild ??= new IpcChild('publisher', new URL('./publisher.ts', import.meta.url));
    await this.publisherChild.request({ type: 'connect', urls, protocol, count }, 60_000);
  }

  /** One step of publishing; `protocol` picks the connections (default: the first protocol connected), `payload` what they send. */
  publish(step: number, rate: number, durationMs: number, target: Target, options: { protocol?: ClientProtocol; payload?: PayloadKind } = {}): Promise<PublishResult> {
    if (!this.publisherChild) throw new Error('startPublisher first');
    const request: PublishStep = { type: 'publish', step, rate, durationMs, target, ...options };
    return this.publisherChild.request<PublishResult>({ ...request }, durationMs + 60_000);
  }

  /** Every worker's deliveries of `step`, merged per server node. */
  async collect(step: number, nodes: number): Promise<Histogram[]> {
    return (await this.collectWithBytes(step, nodes)).perNode;
  }

  /** The same with the bytes of those deliveries' frames (see CollectResult). */
  async collectWithBytes(step: number, nodes: number): Promise<{ perNode: Histogram[]; frameBytes: number; payloadBytes: number }> {
    const all = await Promise.all(this.workers.map((w) => w.request<CollectResult>({ type: 'collect', step })));
    const perNode = Array.from({ length: nodes }, () => new Histogram());
    for (const r of all) r.perNode.forEach((h, n) => perNode[n]?.merge(h));
    return { perNode, frameBytes: all.reduce((s, r) => s + r.frameBytes, 0), payloadBytes: all.reduce((s, r) => s + r.payloadBytes, 0) };
  }

  /** Bytes all subscriber connections have read from their sockets so far (see worker.ts). */
  async bytesRead(): Promise<number> {
    const all = await Promise.all(this.workers.map((w) => w.request<{ bytes: number }>({ type: 'bytesRead' })));
    return all.reduce((s, r) => s + r.bytes, 0);
  }

  /** Closes every connection (workers and publisher stay up for the next server). */
  async closeAll(): Promise<void> {
    await Promise.all([...this.workers, ...(this.publisherChild ? [this.publisherChild] : [])].map((w) => w.request({ type: 'closeAll' })));
  }

  async stop(): Promise<void> {
    await Promise.all([...this.workers, ...(this.publisherChild ? [this.publisherChild] : [])].map((w) => w.stop()));
    this.publisherChild = undefined;
  }
}

function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}
