import type { Client, Subscription, Switchboard, SwitchboardOptions } from './built-client.js';

/**
 * One application client, as a test sees it: a Switchboard connection subscribed to one
 * channel, recording every message, every error and gap, every disconnect and how long
 * each took from the close to the subscription being restored.
 */
export interface TrackedSubscriber {
  sb: Switchboard;
  sub: Subscription<number>;
  /** Payloads in delivery order. */
  received: number[];
  lastOffset: number | undefined;
  /** Client errors, subscription errors and gaps, described. */
  problems: string[];
  closes: Array<{ code: number; reason: string }>;
  /** For each reconnect: close code and ms from the `disconnected` event to the `subscribed` one. */
  restored: Array<{ code: number; ms: number; recovered: boolean | undefined }>;
  close(): void;
}

export function trackedSubscriber(client: Client, url: string, channel: string, options: SwitchboardOptions = {}): TrackedSubscriber {
  const sb = new client.Switchboard(url, options);
  const tracked: TrackedSubscriber = {
    sb,
    sub: undefined as unknown as Subscription<number>,
    received: [],
    lastOffset: undefined,
    problems: [],
    closes: [],
    restored: [],
    close: () => sb.close(),
  };
  let lostAt: { code: number; at: number } | undefined;
  sb.on('error', (error) => tracked.problems.push(`client error ${error.code}: ${error.message}`));
  sb.on('disconnected', ({ code, reason }) => {
    tracked.closes.push({ code, reason });
    lostAt ??= { code, at: performance.now() };
  });
  const sub = sb.subscribe<number>(channel, (message) => {
    tracked.received.push(message.payload);
    tracked.lastOffset = message.offset;
  });
  sub.on('subscribed', (info) => {
    if (!info.resubscribed || !lostAt) return;
    tracked.restored.push({ code: lostAt.code, ms: performance.now() - lostAt.at, recovered: info.recovered });
    lostAt = undefined;
  });
  sub.on('gap', (gap) => tracked.problems.push(`gap ${gap.reason}`));
  sub.on('error', (error) => tracked.problems.push(`subscription error ${error.code}`));
  tracked.sub = sub;
  return tracked;
}
