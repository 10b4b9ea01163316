import { randomBytes } from 'node:crypto';
import type { Frame, TestClient } from '../../support/test-client.js';

export interface RpcAnswer {
  id: string;
  client: number;
  frame: Frame;
  ms: number;
}

export interface RpcRun {
  sent: number;
  answers: RpcAnswer[];
  /** rpc_result frames whose data came back to another connection than the one that asked, or with another payload. */
  misrouted: RpcAnswer[];
  /** Frames for a request id that had already been answered (must stay 0). */
  duplicates: number;
  /** Requests that got no answer at all within the wait. */
  unanswered: string[];
  errors: Record<string, number>;
  latencies: number[];
}

export interface RunOptions {
  method?: string;
  /** Requests each client keeps in flight. */
  window?: number;
  /** Extra payload fields (e.g. {ms} for test.slow). */
  payload?: (n: number) => Record<string, unknown>;
  /** How long one request may wait for its answer before the run counts it unanswered. */
  answerTimeoutMs?: number;
  /** Called after each answer (e.g. to kill a worker part way). */
  onAnswer?: (answered: number) => void;
}

/**
 * Sends `total` rpc requests spread over `clients` (each keeping `window` in flight) and
 * checks every answer: one frame per request, to the connection that asked, carrying
 * that request's own nonce back (test.echo / test.slow answer with it).
 */
export async function runRequests(clients: TestClient[], total: number, options: RunOptions = {}): Promise<RpcRun> {
  const method = options.method ?? 'test.echo';
  const window = options.window ?? 4;
  const run: RpcRun = { sent: 0, answers: [], misrouted: [], duplicates: 0, unanswered: [], errors: {}, latencies: [] };
  const perClient = clients.map((_, index) => Math.floor(total / clients.length) + (index < total % clients.length ? 1 : 0));
  const tag = randomBytes(3).toString('hex');
  const ids = new Set<string>();

  await Promise.all(
    clients.map(async (client, index) => {
      let next = 0;
      const lane = async () => {
        while (next < perClient[index]!) {
          const n = next++;
          const id = `${tag}-${index}-${n}`;
          const nonce = randomBytes(4).toString('hex');
          ids.add(id);
          const began = performance.now();
          client.send({ event: 'rpc', data: { method, payload: { n, client: index, nonce, ...options.payload?.(n) } }, id });
          run.sent++;
          let frame: Frame;
          try {
            frame = await client.next((candidate) => candidate.id === id, options.answerTimeoutMs ?? 20_000);
          } catch {
            run.unanswered.push(id);
            continue;
          }
          const answer = { id, client: index, frame, ms: performance.now() - began };
          run.answers.push(answer);
          options.onAnswer?.(run.answers.length);
          if (frame.event === 'rpc_result') {
            run.latencies.push(answer.ms);
            const data = frame.data as { echo?: { nonce?: string; client?: number }; connectionId?: string };
            if (data.echo?.nonce !== nonce || data.echo?.client !== index || data.connectionId !== client.welcome.data.connectionId) run.misrouted.push(answer);
          } else {
            const code = String(frame.data?.code ?? frame.event);
            run.errors[code] = (run.errors[code] ?? 0) + 1;
          }
        }
      };
      await Promise.all(Array.from({ length: window }, lane));
    }),
  );
  // Anything else arriving for these ids now is a second answer.
  await new Promise((resolve) => setTimeout(resolve, 300));
  for (const client of clients) run.duplicates += client.frames.filter((frame) => frame.id !== undefined && ids.has(String(frame.id))).length;
  return run;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Sum of a metric's samples on one node's /metrics whose labels include `labels`. */
export async function metric(http: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${http}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => have[key] === value)) sum += Number(match[3]);
  }
  return sum;
}

/** Sum of a metric over several nodes. */
export async function clusterMetric(nodes: Array<{ http: string }>, name: string, labels: Record<string, string> = {}): Promise<number> {
  return (await Promise.all(nodes.map((node) => metric(node.http, name, labels)))).reduce((a, b) => a + b, 0);
}
