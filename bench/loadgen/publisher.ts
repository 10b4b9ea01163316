// The publisher process: a few client connections that publish timestamped payloads (64
// bytes by default) at a fixed rate for a fixed time (one bench step), paced by the clock
// so a late timer catches up instead of lowering the offered rate. It may hold connections
// of several protocols (JSON and MessagePack); each step says which ones publish.
import { monotonicMicros } from '../lib/histogram.js';
import { serveIpc } from '../lib/ipc-child.js';
import { BenchClient, localAddressFor } from './client.js';
import { type ClientProtocol, type PayloadKind, publishFrame } from './protocol.js';

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
export type Target = { kind: 'one'; channel: string } | { kind: 'random'; channels: number; sharedEvery: number; /** Channel names (default `c`). */ prefix?: string };

export interface PublishStep {
  type: 'publish';
  step: number;
  /** Messages per second over all publisher connections. */
  rate: number;
  durationMs: number;
  target: Target;
  /** Which connections publish: those of this protocol (default: the first connected). */
  protocol?: ClientProtocol;
  /** What they send (default: the 64-byte payload). */
  payload?: PayloadKind;
}

export interface PublishResult {
  sent: number;
  /** Of which to `shared` (random target only). */
  sentShared: number;
  ms: number;
  /** Messages sent later than 20 ms after their due time (the publisher itself lagging). */
  late: number;
  /** Bytes of the publish frames sent: payload + masked client WebSocket header. */
  frameBytes: number;
}

/** A client → server frame's bytes on the wire: payload, header and the 4-byte mask (RFC 6455 §5.2). */
const clientFrameBytes = (length: number): number => length + (length < 126 ? 6 : length < 65_536 ? 8 : 14);

const TICK_MS = 2;
/** The connections of each protocol, in the order they were first connected. */
const connectionsOf = new Map<ClientProtocol, BenchClient[]>();

async function connect(request: PublisherConnect): Promise<{ connected: number }> {
  const protocol = request.protocol;
  const base = [...connectionsOf.values()].reduce((s, list) => s + list.length, 0);
  const opened = await Promise.all(
    Array.from({ length: request.count }, (_, k) =>
      BenchClient.open({ url: request.urls[k % request.urls.length]!, protocol, localAddress: localAddressFor(1000 + base + k) }),
    ),
  );
  connectionsOf.set(protocol, [...(connectionsOf.get(protocol) ?? []), ...opened]);
  return { connected: opened.length };
}

function publish(request: PublishStep): Promise<PublishResult> {
  const protocol = request.protocol ?? connectionsOf.keys().next().value;
  const connections = protocol ? connectionsOf.get(protocol) : undefined;
  if (!protocol || !connections || connections.length === 0) return Promise.reject(new Error(`no ${request.protocol ?? ''} publisher connections`));
  const kind = request.payload ?? 'small';
  const prefix = request.target.kind === 'random' ? request.target.prefix ?? 'c' : '';
  return new Promise((resolve) => {
    const began = performance.now();
    const total = Math.round((request.rate * request.durationMs) / 1000);
    let sent = 0;
    let sentShared = 0;
    let late = 0;
    let frameBytes = 0;
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
        } else channel = `${prefix}${Math.floor(Math.random() * request.target.channels)}`;
        const connection = connections[sent % connections.length]!;
        const frame = publishFrame(protocol, channel, step, monotonicMicros(), kind);
        frameBytes += clientFrameBytes(typeof frame === 'string' ? Buffer.byteLength(frame) : frame.length);
        connection.send(frame);
      }
      if (sent >= total) resolve({ sent, sentShared, late, frameBytes, ms: performance.now() - began });
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
      for (const list of connectionsOf.values()) for (const c of list) c.close();
      connectionsOf.clear();
      return { closed: true };
    default:
      throw new Error(`unknown request ${request.type}`);
  }
});
