import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelPresence, PresenceChange, Transport } from '#libs/transport';
import { eventually } from '../support/gateway-process.js';
import type { TransportFixture } from './fixtures/fixture.js';
import { kafkaFixture } from './fixtures/kafka.fixture.js';
import { memoryFixture } from './fixtures/memory.fixture.js';
import { redisFixture } from './fixtures/redis.fixture.js';

/**
 * The presence contract, each backend against its real server, through its descriptor's
 * factory: joins and leaves of one node are listed by the others, a sync repairs what a
 * peer missed, and a peer not heard from for `staleAfterMs` loses its entries.
 */
const fixtures: TransportFixture[] = [memoryFixture, redisFixture, kafkaFixture];
const STALE_MS = 600;

describe.each(fixtures)('presence contract: $name', (fixture) => {
  const running: Transport[] = [];
  let nodes = 0;
  const startNode = async () => {
    const { bus, presence } = await fixture.create();
    expect(presence, `${fixture.name} provides presence`).toBeDefined();
    const nodeId = `presence-${fixture.name}-${++nodes}`;
    presence!.configure({ nodeId, staleAfterMs: STALE_MS });
    const changes: PresenceChange[] = [];
    presence!.onChange((change) => changes.push(change));
    await bus.start();
    running.push(bus);
    return { nodeId, bus, presence: presence!, changes };
  };
  const entry = (connectionId: string, node: string) => ({ connectionId, node, joinedAt: Date.now(), userId: `u-${connectionId}` });
  const count = (presence: ChannelPresence, channel: string) => presence.members(channel, 100).connections;

  beforeAll(() => fixture.setup());
  afterEach(async () => {
    await Promise.all(running.splice(0).map((bus) => bus.stop()));
  });
  afterAll(() => fixture.teardown());

  it('lists a node its own entries at once, and tells its handlers', async () => {
    const a = await startNode();
    await a.presence.join('room:own', entry('c1', a.nodeId));
    expect(a.presence.members('room:own', 10)).toMatchObject({ connections: 1, users: 1, entries: [{ connectionId: 'c1', node: a.nodeId }] });
    await a.presence.leave('room:own', 'c1');
    await a.presence.leave('room:own', 'c1'); // idempotent
    expect(count(a.presence, 'room:own')).toBe(0);
    expect(a.changes.map((c) => c.type)).toEqual(['join', 'leave']);
  });

  // Declared only for distributed backends: the suite reports no skipped tests.
  if (fixture.distributed) it("lists another node's joins and leaves, and drops them once it goes quiet", async () => {
    const [a, b] = [await startNode(), await startNode()];
    await a.presence.join('room:x', entry('c1', a.nodeId));
    await a.presence.join('room:x', entry('c2', a.nodeId));
    await eventually(() => count(b.presence, 'room:x') === 2, 10_000, 10);
    await a.presence.leave('room:x', 'c1');
    await eventually(() => count(b.presence, 'room:x') === 1, 10_000, 10);
    expect(b.changes.map((c) => `${c.type}:${c.entry.connectionId}`)).toEqual(['join:c1', 'join:c2', 'leave:c1']);
    // A quiet node (no heartbeat, no sync) is gone after staleAfterMs.
    await new Promise((resolve) => setTimeout(resolve, STALE_MS + 100));
    expect(count(b.presence, 'room:x')).toBe(0);
    // Its next sync brings it back.
    await a.presence.sync();
    await eventually(() => count(b.presence, 'room:x') === 1, 10_000, 10);
  });
});
