import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Broadcast, type ControlMessage, type Transport, TransportUnavailableError } from '#libs/transport';
import { eventually } from '../support/gateway-process.js';
import type { TransportFixture } from './fixtures/fixture.js';
import { kafkaFixture } from './fixtures/kafka.fixture.js';
import { memoryFixture } from './fixtures/memory.fixture.js';
import { redisClusterFixture } from './fixtures/redis-cluster.fixture.js';
import { redisSentinelFixture } from './fixtures/redis-sentinel.fixture.js';
import { redisFixture } from './fixtures/redis.fixture.js';

/**
 * The broadcast contract: every backend passes it, each against its real server. A new
 * backend is done when its fixture is in this list (and, if it declares history, in the
 * history contract's) and the suites are green.
 */
const fixtures: TransportFixture[] = [memoryFixture, redisFixture, redisClusterFixture, redisSentinelFixture, kafkaFixture];

const broadcast = (channel: string, payload: unknown, origin = 'node-a'): Broadcast => {
  const ts = Date.now();
  return { channel, origin, ts, frame: JSON.stringify({ event: 'message', data: { channel, payload, node: origin, ts } }) };
};

/** Collects what one transport instance receives. */
class Probe {
  readonly broadcasts: Broadcast[] = [];
  readonly control: ControlMessage[] = [];
  constructor(readonly transport: Transport) {
    transport.onBroadcast((message) => this.broadcasts.push(message));
    transport.onControl((message) => this.control.push(message));
  }
  on(channel: string): Broadcast[] {
    return this.broadcasts.filter((message) => message.channel === channel);
  }
  async waitFor(channel: string, count: number, timeoutMs = 10_000): Promise<Broadcast[]> {
    await eventually(() => this.on(channel).length >= count, timeoutMs, 10);
    return this.on(channel);
  }
}

describe.each(fixtures)('broadcast contract: $name', (fixture) => {
  const running: Transport[] = [];
  const startNode = async (): Promise<Probe> => {
    const { bus: transport } = await fixture.create();
    const probe = new Probe(transport);
    await transport.start();
    running.push(transport);
    return probe;
  };

  beforeAll(() => fixture.setup());
  afterEach(async () => {
    await Promise.all(running.splice(0).map((transport) => transport.stop()));
  });
  afterAll(() => fixture.teardown());

  it('is ready once started and reports a name', async () => {
    const { transport } = await startNode();
    expect(transport.name).toBe(fixture.backend ?? fixture.name);
    expect(transport.health().ready).toBe(true);
  });

  it('delivers a broadcast on a followed channel with every field intact', async () => {
    const probe = await startNode();
    await probe.transport.follow('contract:one');
    const sent = broadcast('contract:one', { text: 'héllo ✓ "quoted" \\ back', n: [1, 2.5, null] });
    await probe.transport.publish(sent);
    const [received] = await probe.waitFor('contract:one', 1);
    expect(received).toEqual(sent);
  });

  it('does not deliver channels the node does not follow, and stops after unfollow', async () => {
    const probe = await startNode();
    await probe.transport.follow('contract:followed');
    await probe.transport.follow('contract:dropped');
    await probe.transport.unfollow('contract:dropped');
    await probe.transport.publish(broadcast('contract:never', 1));
    await probe.transport.publish(broadcast('contract:dropped', 2));
    await probe.transport.publish(broadcast('contract:followed', 'sentinel'));
    await probe.waitFor('contract:followed', 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(probe.broadcasts.map((message) => message.channel)).toEqual(['contract:followed']);
  });

  it('keeps one publisher\'s 500 messages in order', async () => {
    const probe = await startNode();
    await probe.transport.follow('contract:order');
    await Promise.all([...Array(500).keys()].map((i) => probe.transport.publish(broadcast('contract:order', i))));
    const received = await probe.waitFor('contract:order', 500);
    expect(received.map((message) => JSON.parse(message.frame).data.payload)).toEqual([...Array(500).keys()]);
  });

  it('delivers control messages to every node, the sender included', async () => {
    const probes = fixture.distributed ? [await startNode(), await startNode()] : [await startNode()];
    const beat: ControlMessage = { type: 'leave', nodeId: 'contract-x', sentAt: Date.now() };
    await probes[0]!.transport.publishControl(beat);
    for (const probe of probes) await eventually(() => probe.control.some((m) => m.type === 'leave' && m.nodeId === 'contract-x'));
  });

  it('refuses to publish once stopped, with TransportUnavailableError', async () => {
    const { bus: transport } = await fixture.create();
    await transport.start();
    await transport.stop();
    expect(transport.health().ready).toBe(false);
    await expect(transport.publish(broadcast('contract:late', 1))).rejects.toBeInstanceOf(TransportUnavailableError);
  });

  // Declared only for distributed transports: the suite reports no skipped tests.
  if (fixture.distributed) describe('across nodes', () => {
    it('delivers from one node to every node that follows the channel, and only those', async () => {
      const [a, b, c] = [await startNode(), await startNode(), await startNode()];
      await b.transport.follow('contract:cross');
      await c.transport.follow('contract:elsewhere');
      await a.transport.publish(broadcast('contract:cross', 'x', 'origin-a'));
      const [received] = await b.waitFor('contract:cross', 1);
      expect(received).toMatchObject({ channel: 'contract:cross', origin: 'origin-a' });
      await c.transport.publish(broadcast('contract:elsewhere', 'sentinel'));
      await c.waitFor('contract:elsewhere', 1);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(a.broadcasts).toHaveLength(0);
      expect(c.on('contract:cross')).toHaveLength(0);
    });

    it('keeps order across nodes for 500 messages', async () => {
      const [a, b] = [await startNode(), await startNode()];
      await b.transport.follow('contract:cross-order');
      await Promise.all([...Array(500).keys()].map((i) => a.transport.publish(broadcast('contract:cross-order', i))));
      const received = await b.waitFor('contract:cross-order', 500);
      expect(received.map((message) => JSON.parse(message.frame).data.payload)).toEqual([...Array(500).keys()]);
    });
  });
});
