import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { GATEWAY_MAIN } from '../lib/build-app.js';
import { IpcChild } from '../lib/ipc-child.js';
import { cpuMicros, machineCpu } from '../lib/proc-stats.js';
import { sleep } from '../lib/summary.js';
import type { ReceiverKind } from '../loadgen/client-receiver.js';
import { httpOk, startNodeProcess } from '../targets/node-process.js';

/**
 * Client CPU per received message: what @switchboard/client costs an application next
 * to a bare client that only parses frames. One Switchboard node (memory transport), one
 * publisher connection sending small messages at a steady rate to one channel, and, one
 * kind after another, a fresh child process holding `clients` subscribers of that kind.
 * Only the child's CPU is measured (/proc), over `windowMs` after `warmupMs`. Rounds
 * repeat the kinds in turn; the least disturbed round of each kind is kept (other
 * processes on the machine only ever add CPU time).
 */
export interface ClientCpuOptions {
  clients: number;
  /** Messages per second published; every client receives each. */
  ratePerSec: number;
  warmupMs: number;
  windowMs: number;
  kinds: ReceiverKind[];
  /** Each kind is measured this many times, the kinds taking turns; the report keeps each kind's least disturbed (lowest) round. */
  rounds: number;
}

/** `npm run bench:client` without flags, and the full sweep: ≈ 1.2 min. */
export const CLIENT_CPU_DEFAULTS: ClientCpuOptions = {
  clients: 100,
  ratePerSec: 200,
  warmupMs: 2000,
  windowMs: 6000,
  kinds: ['ws', 'undici', 'client', 'client-ws'],
  rounds: 2,
};

export interface ClientCpuResult {
  kind: ReceiverKind;
  label: string;
  messages: number;
  messagesPerSec: number;
  /** CPU µs of the receiver process per received message. */
  microsPerMessage: number;
  /** The receiver process's share of one core, %. */
  cpuPercent: number;
  /** Machine busy share (all cores) during the window, %: high means the numbers are contended. */
  machineBusyPercent: number;
}

export const RECEIVER_LABELS: Record<ReceiverKind, string> = {
  ws: 'bare `ws` client + JSON.parse',
  undici: "bare Node global WebSocket (undici) + JSON.parse",
  client: '@switchboard/client on the global WebSocket',
  'client-ws': '@switchboard/client on `ws`',
};

export async function runClientCpu(options: ClientCpuOptions, clientEntry: string, log: (line: string) => void): Promise<ClientCpuResult[]> {
  const node = await startNodeProcess({
    name: 'switchboard#client-bench',
    script: GATEWAY_MAIN,
    typescript: false,
    env: (port) => ({ HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', TRANSPORT: 'memory', RATE_LIMIT_PER_SEC: '1000000', RATE_LIMIT_BURST: '1000000', MAX_CONNECTIONS_PER_IP: '0', NODE_ID: 'client-bench' }),
    ready: (port) => httpOk(`http://127.0.0.1:${port}/health/ready`),
  });
  const url = `ws://127.0.0.1:${node.port}/ws`;
  const channel = 'bench:client';
  const publisher = new WebSocket(url, { perMessageDeflate: false });
  await new Promise((resolve, reject) => publisher.once('open', resolve).once('error', reject));
  // 10 ms ticks: ratePerSec / 100 messages each, carrying a 64-byte payload.
  const perTick = Math.max(1, Math.round(options.ratePerSec / 100));
  const payload = 'x'.repeat(64);
  const ticker = setInterval(() => {
    for (let i = 0; i < perTick; i++) publisher.send(JSON.stringify({ event: 'publish', data: { channel, payload } }));
  }, 10);
  const results: ClientCpuResult[] = [];
  try {
    for (let round = 1; round <= options.rounds; round++) {
      for (const kind of options.kinds) results.push(await measureKind(kind, round, options, url, channel, clientEntry, log));
    }
  } finally {
    clearInterval(ticker);
    publisher.close();
    await node.stop();
  }
  return options.kinds.map((kind) => results.filter((r) => r.kind === kind).reduce((best, r) => (r.microsPerMessage < best.microsPerMessage ? r : best)));
}

/** One round of one kind: a fresh receiver process, connected and warmed up, then measured. */
async function measureKind(kind: ReceiverKind, round: number, options: ClientCpuOptions, url: string, channel: string, clientEntry: string, log: (line: string) => void): Promise<ClientCpuResult> {
  const receiver = new IpcChild(`receiver:${kind}`, new URL('../loadgen/client-receiver.ts', import.meta.url));
  try {
    await receiver.request({ type: 'connect', kind, url, channel, count: options.clients, clientEntry: pathToFileURL(clientEntry).href }, 120_000);
    await sleep(options.warmupMs);
    const sample = async () => ({ cpu: cpuMicros(receiver.pid)!, received: (await receiver.request<{ received: number }>({ type: 'received' })).received, at: performance.now(), machine: machineCpu() });
    const before = await sample();
    await sleep(options.windowMs);
    const after = await sample();
    const messages = after.received - before.received;
    const seconds = (after.at - before.at) / 1000;
    const result: ClientCpuResult = {
      kind,
      label: RECEIVER_LABELS[kind],
      messages,
      messagesPerSec: Math.round(messages / seconds),
      microsPerMessage: (after.cpu - before.cpu) / messages,
      cpuPercent: ((after.cpu - before.cpu) / 1e6 / seconds) * 100,
      machineBusyPercent: ((after.machine.busy - before.machine.busy) / (after.machine.total - before.machine.total)) * 100,
    };
    log(`  round ${round}, ${result.label}: ${result.microsPerMessage.toFixed(2)} µs per message (${result.messagesPerSec} msgs/s received, ${result.cpuPercent.toFixed(0)} % of a core; machine ${result.machineBusyPercent.toFixed(0)} % busy)`);
    await receiver.request({ type: 'closeAll' });
    return result;
  } finally {
    await receiver.stop();
  }
}
