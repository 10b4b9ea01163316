import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../infra/managed-process.js';
import { eventually } from '../support/gateway-process.js';
import { type BalancedCluster, startBalancedCluster } from './support/balanced-cluster.js';
import { type Client, loadBuiltClient } from './support/built-client.js';
import { startHttpPublisher } from './support/http-publisher.js';
import { checkStream, percentile, totals } from './support/stream-check.js';
import { type TrackedSubscriber, trackedSubscriber } from './support/tracked-subscriber.js';

/**
 * The promise of @switchboard/client: an application that adds it survives a deploy
 * without losing a message. 50 clients of the built client, on Node's global WebSocket,
 * connect through HAProxy (the shipped config) to 3 nodes on Redis with history on; a
 * back end publishes 200 msgs/s over HTTP throughout. Every node is drained and
 * restarted, one after another; then one is killed outright. Each client must end with
 * every message exactly once, in order, and without an error or a gap.
 */
const CLIENTS = 50;
const RATE = 200;

describe('@switchboard/client through a rolling restart (3 nodes on Redis behind HAProxy)', () => {
  let client: Client;
  let cluster: BalancedCluster;
  const everyone: TrackedSubscriber[] = [];

  beforeAll(async () => {
    client = await loadBuiltClient();
    cluster = await startBalancedCluster(
      {
        HISTORY_CHANNELS: 'feed:*',
        HISTORY_SIZE: '20000',
        // Long enough for HAProxy (checks every 250 ms) to stop sending the node clients.
        DRAIN_DELAY_MS: '800',
        DRAIN_BATCH: '10',
        DRAIN_INTERVAL_MS: '50',
      },
      'cl',
    );
  });

  afterAll(async () => {
    everyone.forEach((tracked) => tracked.close());
    await cluster?.stop();
  });

  /** Subscribes `CLIENTS` clients, publishes while `disrupt` runs, and checks every stream. */
  async function underLoad(channel: string, disrupt: () => Promise<void>) {
    const clients = Array.from({ length: CLIENTS }, () => trackedSubscriber(client, cluster.ws, channel));
    everyone.push(...clients);
    await Promise.all(clients.map((tracked) => tracked.sub.ready));
    const publisher = startHttpPublisher(cluster.http, channel, RATE);
    await sleep(1000);
    await disrupt();
    await sleep(1000);
    const published = await publisher.stop();
    // Everyone catches up to the last acknowledged message; whoever does not is described.
    const caughtUp = await eventually(() => clients.every((tracked) => tracked.lastOffset === published.lastOffset), 15_000, 100).catch(() => false);
    if (!caughtUp) {
      const behind = clients.filter((tracked) => tracked.lastOffset !== published.lastOffset);
      console.log(
        `[client] ${behind.length} clients behind offset ${published.lastOffset}: ` +
          behind
            .slice(0, 5)
            .map((t) => JSON.stringify({ state: t.sb.state, sub: t.sub.state, last: t.lastOffset, position: t.sub.position, closes: t.closes, restored: t.restored, problems: t.problems }))
            .join(' | '),
      );
    }
    await sleep(300);
    const reports = clients.map((tracked) => checkStream(tracked.received, published.acked, published.uncertain));
    // Leave the cluster to the next test's clients (and the balancer's counts to them).
    clients.forEach((tracked) => tracked.close());
    return { clients, published, reports, sum: totals(reports) };
  }

  it('every node drained (SIGTERM) and restarted in turn: every client gets every message once, in order, without an error', { timeout: 90_000 }, async () => {
    const restarts: string[] = [];
    const { clients, published, reports, sum } = await underLoad('feed:rolling', async () => {
      for (let i = 0; i < 3; i++) {
        const { exit, downMs, upMs } = await cluster.restart(i, 'drain');
        restarts.push(`${cluster.nodes[i]!.nodeId} exit ${exit.code} after ${downMs} ms, back in HAProxy after ${upMs} ms`);
        await sleep(500);
      }
    });
    const drains = clients.flatMap((tracked) => tracked.restored.filter((r) => r.code === 1012));
    const ms = drains.map((r) => r.ms);
    console.log(
      `[client] rolling restart: ${clients.length} clients, ${published.acked.length} messages acknowledged at ${RATE}/s ` +
        `(${published.refused.length} refused, ${published.uncertain.length} unanswered); delivered ${sum.received} = ${clients.length} × ${published.acked.length}: ` +
        `lost ${sum.lost}, duplicated ${sum.duplicated}, reordered ${sum.reordered}, unexpected ${sum.unexpected}; ` +
        `${drains.length} drains seen (close codes ${[...new Set(clients.flatMap((t) => t.closes.map((c) => c.code)))].join(',')}), ` +
        `close → resubscribed p50 ${percentile(ms, 50).toFixed(0)} ms, p99 ${percentile(ms, 99).toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms; ` +
        `${restarts.join('; ')}`,
    );
    expect(restarts.every((line) => line.includes('exit 0'))).toBe(true);
    // Enough traffic to mean something, even on a loaded machine.
    expect(published.acked.length).toBeGreaterThan(RATE * 2);
    // The back end's own publishes are not the client's doing; every acknowledged one must arrive.
    expect(sum).toMatchObject({ lost: 0, duplicated: 0, reordered: 0, unexpected: 0 });
    for (const report of reports) expect(report.lost).toBe(0);
    expect(clients.flatMap((tracked) => tracked.problems)).toEqual([]);
    // Every client was on some node, so every client was drained at least once; every restore was a recovery.
    for (const tracked of clients) {
      expect(tracked.closes.length).toBeGreaterThan(0);
      expect(tracked.closes.every((close) => close.code === 1012)).toBe(true);
      expect(tracked.restored.every((restore) => restore.recovered === true)).toBe(true);
    }
    expect(percentile(ms, 99)).toBeLessThan(3000);
  });

  it('a node killed (SIGKILL): its clients recover through the other nodes, nothing lost', { timeout: 60_000 }, async () => {
    let victim = -1;
    const { clients, published, sum } = await underLoad('feed:killed', async () => {
      victim = await cluster.busiest();
      await cluster.restart(victim, 'kill');
    });
    const dropped = clients.filter((tracked) => tracked.closes.length > 0);
    const ms = dropped.flatMap((tracked) => tracked.restored.map((r) => r.ms));
    console.log(
      `[client] SIGKILL of ${cluster.nodes[victim]!.nodeId}: ${dropped.length} of ${clients.length} clients dropped (close codes ${[...new Set(dropped.flatMap((t) => t.closes.map((c) => c.code)))].join(',')}); ` +
        `${published.acked.length} messages acknowledged (${published.uncertain.length} unanswered, ${published.refused.length} refused); ` +
        `lost ${sum.lost}, duplicated ${sum.duplicated}, reordered ${sum.reordered}, unexpected ${sum.unexpected}; ` +
        `close → resubscribed p50 ${percentile(ms, 50).toFixed(0)} ms, p99 ${percentile(ms, 99).toFixed(0)} ms`,
    );
    expect(dropped.length).toBeGreaterThan(5);
    expect(sum).toMatchObject({ lost: 0, duplicated: 0, reordered: 0, unexpected: 0 });
    expect(clients.flatMap((tracked) => tracked.problems)).toEqual([]);
    for (const tracked of dropped) expect(tracked.restored.every((restore) => restore.recovered === true)).toBe(true);
  });
});
