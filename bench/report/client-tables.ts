import type { ClientCpuOptions, ClientCpuResult } from '../workloads/client-cpu.js';
import { fixed, int } from './format.js';

/** The client CPU table (workloads/client-cpu.ts): each kind's µs per received message next to the bare `ws` floor. */
export function clientCpuTable(results: ClientCpuResult[]): { header: string[]; rows: string[][] } {
  const floor = results.find((r) => r.kind === 'ws')?.microsPerMessage ?? Number.NaN;
  return {
    header: ['client', 'µs CPU per received message', '× bare `ws`', 'received msgs/s', 'CPU % of a core', 'machine busy %'],
    rows: results.map((r) => [r.label, fixed(r.microsPerMessage, 2), `${fixed(r.microsPerMessage / floor, 2)}×`, int(r.messagesPerSec), fixed(r.cpuPercent, 0), fixed(r.machineBusyPercent, 0)]),
  };
}

export function clientCpuIntro(options: ClientCpuOptions): string {
  return (
    `One Switchboard node (memory transport) and one publisher connection sending ${int(options.ratePerSec)} small messages/s to one channel; ` +
    `one kind after another, a fresh process holding ${int(options.clients)} subscribers of that kind (${int(options.clients * options.ratePerSec)} deliveries/s into it), ` +
    `its CPU read from /proc over ${options.windowMs / 1000} s after ${options.warmupMs / 1000} s of warm-up; ${options.rounds} rounds, the kinds taking turns, ` +
    'each kind\'s least disturbed (lowest) round kept. The bare kinds only JSON.parse each frame: the floor a hand-written client cannot go below.'
  );
}
