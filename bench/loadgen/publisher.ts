// The publisher process: a few client connections that publish 64-byte timestamped
// payloads at a fixed rate for a fixed time (one bench step), paced by the clock so a
// late timer catches up instead of lowering the offered rate.
import { monotonicMicros } from '../lib/histogram.js';
import { serveIpc } from '../lib/ipc-child.js';
import { BenchClient, localAddressFor } from './client.js';
import { type ClientProtocol, payload, publishFrame } from './protocol.js';

export interface PublisherConnect {
  type: 'connect';
  /** Publisher connection k goes to urls[k % urls.length]. */
  urls: string[];
  protocol: ClientProtocol;
  count: number;
}

/** Where each message goes: one channel, or a random private channel `c<n>` with every
 *  `sharedEvery`-th message to `shared` instead. Shared messages carry step + 1 so that
 *  subscribers record their latency apart: one shared message is a burst of thousands of
 *  deliveries and would otherwise hide the private messages' tail behind its own. */
export type Target = { kind: 'one'; channel: string } | { kind: 'random'; channels: number; sharedEvery: number };

export interface PublishStep {
  type: 'publish';
  step: number;
  /** Messages per second over all publisher connections. */
  rate: number;
  durationMs: number;
  target: Target;
}

export interface PublishResult {
  sent: number;
  /** Of which to `shared` (random target only). */
  sentShared: number;
  ms: number;
  /** Messages sent later than 20 ms after their due time (the publisher itself lagging). */
  late: number;
}

const TICK_MS = 2;
let connections: BenchClient[] = [];
let protocol: ClientProtocol = 'json';

async function connect(request: PublisherConnect): Promise<{ connected: number }> {
  protocol = request.protocol;
  connections = await Promise.all(
    Array.from({ length: request.count }, (_, k) =>
      BenchClient.open({ url: request.urls[k % request.urls.length]!, protocol, localAddress: localAddressFor(1000 + k) }),
    ),
  );
  return { connected: connections.length };
}

function publish(request: PublishStep): Promise<PublishResult> {
  return new Promise((resolve) => {
    const began = performance.now();
    const total = Math.round((request.rate * request.durationMs) / 1000);
    let sent = 0;
    let sentShared = 0;
    let late = 0;
    const tick = (): void => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - began) / 1000) * request.rate) + 1);
      for (; sent < due; sent++) {
        const dueAt = began + (sent * 1000) / request.rate;
        if (now - dueAt > 20) late++;
        let channel: string;
        let step = request.step;
        if (request.target.kind === 'one') channel = request.target.channel;
        else if (request.target.sharedEvery > 0 && sent % request.target.sharedEvery === request.target.sharedEvery - 1) {
          channel = 'shared';
          step++;
          sentShared++;
        } else channel = `c${Math.floor(Math.random() * request.target.channels)}`;
        const connection = connections[sent % connections.length]!;
        connection.send(publishFrame(protocol, channel, payload(step, monotonicMicros())));
      }
      if (sent >= total) resolve({ sent, sentShared, late, ms: performance.now() - began });
      else setTimeout(tick, TICK_MS);
    };
    tick();
  });
}

serveIpc(async (request) => {
  switch (request.type) {
    case 'connect':
      return connect(request as unknown as PublisherConnect);
    case 'publish':
      return publish(request as unknown as PublishStep);
    case 'closeAll':
      for (const c of connections) c.close();
      connections = [];
      return { closed: true };
    default:
      throw new Error(`unknown request ${request.type}`);
  }
});
