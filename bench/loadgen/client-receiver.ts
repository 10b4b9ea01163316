import WebSocket from 'ws';
import { serveIpc } from '../lib/ipc-child.js';

/**
 * A bench child holding `count` subscribers of one kind, so its CPU per received message
 * can be read from /proc (workloads/client-cpu.ts). Each kind does what an application
 * needs at least: parse every frame. The bare ones are the floor a hand-written client
 * cannot go below; the Switchboard ones add what @switchboard/client does per message
 * (request matching, position tracking and the offset check, events).
 */
export type ReceiverKind = 'ws' | 'undici' | 'client' | 'client-ws';

export interface ReceiverConnect {
  type: 'connect';
  kind: ReceiverKind;
  url: string;
  channel: string;
  count: number;
  /** The built client (packages/client/dist/index.js), for the client kinds. */
  clientEntry: string;
}

let received = 0;
const closers: Array<() => void> = [];
const subscribeFrame = (channel: string) => JSON.stringify({ event: 'subscribe', data: { channel }, id: 1 });

function bareWs(url: string, channel: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.on('open', () => socket.send(subscribeFrame(channel)));
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { event: string };
      if (frame.event === 'message') received++;
      else if (frame.event === 'subscribed') resolve();
    });
    socket.on('error', reject);
    closers.push(() => socket.close());
  });
}

function bareUndici(url: string, channel: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = new globalThis.WebSocket(url);
    socket.onopen = () => socket.send(subscribeFrame(channel));
    socket.onmessage = (event) => {
      const frame = JSON.parse(event.data as string) as { event: string };
      if (frame.event === 'message') received++;
      else if (frame.event === 'subscribed') resolve();
    };
    socket.onerror = () => reject(new Error('undici WebSocket failed'));
    closers.push(() => socket.close());
  });
}

async function switchboardClient(entry: string, url: string, channel: string, implementation?: typeof WebSocket): Promise<void> {
  const { Switchboard } = (await import(entry)) as typeof import('../../packages/client/src/index.js');
  const sb = new Switchboard(url, implementation ? { WebSocket: implementation } : {});
  const sub = sb.subscribe(channel, () => received++);
  closers.push(() => sb.close());
  await sub.ready;
}

serveIpc(async (request) => {
  if (request.type === 'connect') {
    const { kind, url, channel, count, clientEntry } = request as unknown as ReceiverConnect;
    const open = () =>
      kind === 'ws' ? bareWs(url, channel) : kind === 'undici' ? bareUndici(url, channel) : switchboardClient(clientEntry, url, channel, kind === 'client-ws' ? WebSocket : undefined);
    for (let i = 0; i < count; i += 50) await Promise.all(Array.from({ length: Math.min(50, count - i) }, open));
    return { opened: count };
  }
  if (request.type === 'received') return { received };
  if (request.type === 'closeAll') {
    closers.splice(0).forEach((close) => close());
    return {};
  }
  throw new Error(`unknown request ${request.type}`);
});
