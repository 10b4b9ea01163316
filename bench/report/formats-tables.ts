import { DISTURBED_PERCENT } from '../workloads/fanout.js';
import type { FormatsRun, FormatsVariantResult } from '../workloads/formats.js';
import { LIB_LABELS, type LibId, type MsgpackLibsResult } from '../workloads/msgpack-libs.js';
import { fixed, int } from './format.js';

/** The formats tables (workloads/formats.ts) and the MessagePack library micro-bench (workloads/msgpack-libs.ts). */

function subscribersText(v: FormatsVariantResult): string {
  return Object.entries(v.subscribers)
    .map(([format, n]) => `${int(n)} ${format === 'json' ? 'JSON' : 'MessagePack'}`)
    .join(' + ');
}

function shaky(v: FormatsVariantResult): string {
  return v.otherPercentMax > DISTURBED_PERCENT ? ` (disturbed: other ≤ ${v.otherPercentMax.toFixed(0)} %)` : '';
}

/** The lowest and highest step of a variant, per delivery or per message: how much the steps agree. */
function spread(v: FormatsVariantResult, pick: (s: FormatsVariantResult['steps'][number]) => number): string {
  const values = v.steps.map(pick).filter(Number.isFinite);
  return values.length === 0 ? '–' : `${fixed(Math.min(...values), 1)}–${fixed(Math.max(...values), 1)}`;
}

const times = (value: number | undefined, reference: number | undefined): string =>
  value === undefined || reference === undefined || !Number.isFinite(value) || !Number.isFinite(reference) || reference === 0 ? '–' : `${(value / reference).toFixed(2)}×`;

export function formatsFanoutTable(run: FormatsRun): { header: string[]; rows: string[][] } {
  const json = run.fanout.find((v) => v.id === 'json');
  const header = [
    'subscribers',
    'payload',
    'deliveries (delivered %)',
    'p50 / p99 ms',
    'bytes/delivery on the wire (payload + WS header)',
    '× JSON',
    'TCP bytes read/delivery (check)',
    'server µs/delivery',
    '× JSON',
    'steps min–max',
    'bus µs/delivery',
    'loadgen µs/delivery',
  ];
  const rows = run.fanout.map((v) => [
    `${v.label}: ${subscribersText(v)}${shaky(v)}`,
    `${v.payload === 'binary' ? '≈ 200 B + 1 KiB bin' : '≈ 200 B'} (${v.publisher === 'json' ? 'JSON' : 'MessagePack'} publisher)`,
    `${int(v.delivered)} (${fixed(v.deliveredRatio * 100, 1)})`,
    `${fixed(v.latency.p50, 2)} / ${fixed(v.latency.p99, 2)}`,
    `${fixed(v.frameBytesPerDelivery, 1)} (${fixed(v.payloadBytesPerDelivery, 1)} + ${fixed(v.frameBytesPerDelivery - v.payloadBytesPerDelivery, 1)})`,
    times(v.frameBytesPerDelivery, json?.frameBytesPerDelivery),
    fixed(v.socketBytesPerDelivery, 1),
    fixed(v.serverMicrosPerDelivery, 2),
    times(v.serverMicrosPerDelivery, json?.serverMicrosPerDelivery),
    spread(v, (s) => s.serverMicros / s.delivered),
    fixed(v.busMicrosPerDelivery, 2),
    fixed(v.loadgenMicrosPerDelivery, 2),
  ]);
  return { header, rows };
}

export function formatsPublishTable(run: FormatsRun): { header: string[]; rows: string[][] } {
  const ref = run.publish.find((v) => v.id === 'json-json');
  const header = ['publisher → subscribers', 'msgs (delivered %)', 'p50 / p99 ms', 'publish frame bytes', 'publishing node µs/msg', '× JSON → JSON', 'all nodes µs/msg', '× JSON → JSON', 'steps min–max', 'bus µs/msg', 'publisher µs/msg'];
  const rows = run.publish.map((v) => [
    `${v.label}${shaky(v)}`,
    `${int(v.sent)} (${fixed(v.deliveredRatio * 100, 1)})`,
    `${fixed(v.latency.p50, 2)} / ${fixed(v.latency.p99, 2)}`,
    fixed(v.publishFrameBytes, 1),
    fixed(v.publishingNodeMicrosPerMessage, 1),
    times(v.publishingNodeMicrosPerMessage, ref?.publishingNodeMicrosPerMessage),
    fixed(v.nodesMicrosPerMessage, 1),
    times(v.nodesMicrosPerMessage, ref?.nodesMicrosPerMessage),
    spread(v, (s) => s.serverMicros / s.sent),
    fixed(v.busMicrosPerMessage, 1),
    fixed(v.publisherMicrosPerMessage, 1),
  ]);
  return { header, rows };
}

/** Every measured step, both parts: fan-out per delivery, the publish path per published message. */
export function formatsSteps(run: FormatsRun): { header: string[]; rows: string[][] } {
  const header = ['variant', 'step', 'sent', 'delivered', 'p50', 'p99', 'max ms', 'bytes/delivery', 'per', 'server µs', 'node 1 µs', 'CPU% srv', 'bus', 'loadgen', 'pub', 'irq', 'other', 'note'];
  const rows: string[][] = [];
  for (const [part, variants] of [['delivery', run.fanout], ['message', run.publish]] as const) {
    for (const v of variants) {
      v.steps.forEach((s, i) => {
        const pct = (micros: number): string => fixed((micros / 1e6 / s.seconds) * 100, 0);
        const units = part === 'delivery' ? s.delivered : s.sent;
        rows.push([
          v.label,
          String(i + 1),
          int(s.sent),
          int(s.delivered),
          fixed(s.latency.p50, 2),
          fixed(s.latency.p99, 2),
          fixed(s.latency.max, 1),
          fixed(s.delivered > 0 ? s.frameBytes / s.delivered : Number.NaN, 1),
          part,
          fixed(units > 0 ? s.serverMicros / units : Number.NaN, 2),
          fixed(units > 0 ? s.publishingNodeMicros / units : Number.NaN, 2),
          pct(s.serverMicros),
          pct(s.busMicros),
          pct(s.loadgenMicros),
          pct(s.publisherMicros),
          fixed(s.irqPercent, 0),
          fixed(s.otherPercent, 0),
          s.otherPercent > DISTURBED_PERCENT ? 'disturbed: other processes busy' : s.retries > 0 ? `rerun ${s.retries}×: earlier try disturbed` : '',
        ]);
      });
    }
  }
  return { header, rows };
}

const kops = (n: number | undefined): string => (n === undefined || !Number.isFinite(n) ? '–' : int(n / 1000));

const SHORT: Record<LibId, string> = { msgpackr: 'msgpackr', 'msgpack-reused': '@msgpack', 'msgpack-functions': '@msgpack fns', json: 'JSON' };

/** Per frame shape: bytes, then encode and decode k ops/s per library, msgpackr ÷ @msgpack/msgpack.
 *  `compact`: short column names, for a terminal. */
export function msgpackLibsTable(result: MsgpackLibsResult, compact = false): { header: string[]; rows: string[][] } {
  const libs: LibId[] = ['msgpackr', 'msgpack-reused', 'msgpack-functions', 'json'];
  const name = (l: LibId): string => (compact ? SHORT[l] : LIB_LABELS[l]);
  const header = ['frame', 'bytes: msgpack / JSON', ...libs.map((l) => `encode k/s: ${name(l)}`), 'encode msgpackr ÷ @msgpack', ...libs.map((l) => `decode k/s: ${name(l)}`), 'decode msgpackr ÷ @msgpack'];
  const rows = result.shapes.map((s) => [
    s.shape,
    `${int(s.bytes.msgpackr)}${s.bytes['msgpack-reused'] === s.bytes.msgpackr ? '' : ` (@msgpack ${int(s.bytes['msgpack-reused'])})`} / ${int(s.bytes.json)}`,
    ...libs.map((l) => kops(s.encodeOpsPerSec[l])),
    `**${fixed(s.encodeRatio, 2)}×**`,
    ...libs.map((l) => kops(s.decodeOpsPerSec[l])),
    `**${fixed(s.decodeRatio, 2)}×**`,
  ]);
  for (const p of result.serverPath) {
    rows.push([
      `${p.shape}: ${compact ? 'broadcast path' : 'server broadcast path (JSON.parse + reviveBinary + encode)'}`,
      '',
      kops(p.opsPerSec.msgpackr),
      kops(p.opsPerSec['msgpack-reused']),
      '',
      '',
      `**${fixed(p.ratio, 2)}×**`,
      '',
      '',
      '',
      '',
      '',
    ]);
  }
  return { header, rows };
}

export function msgpackInteropTable(result: MsgpackLibsResult): { header: string[]; rows: string[][] } {
  return {
    header: ['frame', 'msgpackr (server options) reads @msgpack/msgpack', '@msgpack/msgpack reads msgpackr'],
    rows: result.shapes.map((s) => [s.shape, s.interop.msgpackrReadsMsgpack, s.interop.msgpackReadsMsgpackr]),
  };
}
