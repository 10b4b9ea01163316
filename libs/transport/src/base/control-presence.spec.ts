import { describe, expect, it } from 'vitest';
import type { Transport } from '../capabilities/broadcast.js';
import type { ControlMessage } from '../capabilities/control.js';
import type { PresenceChange } from '../capabilities/presence.js';
import { decodeControl, encodeControl } from '../codec/bus-codec.js';
import { ControlPresence, SYNC_PART_SIZE } from './control-presence.js';

/** A control channel shared by several nodes; every message goes through the codec, as on a real bus. */
function hub() {
  const handlers: Array<(message: ControlMessage) => void> = [];
  let down = false;
  const bus = () =>
    ({
      onControl: (handler: (message: ControlMessage) => void) => handlers.push(handler),
      publishControl: async (message: ControlMessage) => {
        if (down) throw new Error('down');
        const decoded = decodeControl(encodeControl(message));
        if (!decoded) throw new Error(`codec dropped ${JSON.stringify(message)}`);
        handlers.forEach((handler) => handler(decoded));
      },
    }) as unknown as Transport;
  return { bus, setDown: (value: boolean) => (down = value), send: (message: ControlMessage) => handlers.forEach((handler) => handler(message)) };
}

const node = (bus: Transport, nodeId: string, staleAfterMs = 60_000) => {
  const presence = new ControlPresence(bus);
  presence.configure({ nodeId, staleAfterMs });
  return presence;
};
const entry = (connectionId: string, nodeId: string, userId?: string) => ({ connectionId, node: nodeId, joinedAt: Date.now(), ...(userId ? { userId } : {}) });

describe('ControlPresence', () => {
  it('shows joins and leaves of every node, counting connections and unique users', async () => {
    const h = hub();
    const [a, b] = [node(h.bus(), 'a'), node(h.bus(), 'b')];
    const changes: PresenceChange[] = [];
    b.onChange((change) => changes.push(change));
    await a.join('chat:1', entry('c1', 'a', 'u1'));
    await b.join('chat:1', entry('c2', 'b', 'u1'));
    await b.join('chat:1', entry('c3', 'b'));
    for (const view of [a, b]) expect(view.members('chat:1', 10)).toMatchObject({ connections: 3, users: 2 });
    expect(a.members('chat:1', 1).entries).toHaveLength(1);
    await a.leave('chat:1', 'c1');
    expect(b.members('chat:1', 10).entries.map((e) => e.connectionId).sort()).toEqual(['c2', 'c3']);
    expect(changes.map((c) => `${c.type}:${c.entry.connectionId}`)).toEqual(['join:c1', 'join:c2', 'join:c3', 'leave:c1']);
  });

  it('repairs a lost announcement with the next sync, in parts', async () => {
    const h = hub();
    const [a, b] = [node(h.bus(), 'a'), node(h.bus(), 'b')];
    h.setDown(true);
    for (let i = 0; i < SYNC_PART_SIZE + 5; i++) await a.join('chat:big', entry(`c${i}`, 'a')).catch(() => undefined);
    expect(b.members('chat:big', 1000).connections).toBe(0);
    h.setDown(false);
    await a.sync();
    expect(b.members('chat:big', 1000).connections).toBe(SYNC_PART_SIZE + 5);
    await a.leave('chat:big', 'c0');
    h.setDown(true);
    await a.leave('chat:big', 'c1');
    h.setDown(false);
    await a.sync();
    expect(b.members('chat:big', 1000).connections).toBe(SYNC_PART_SIZE + 3);
  });

  it("drops a peer's entries once it is not heard from for staleAfterMs, and at once on leave", async () => {
    const h = hub();
    const [a, b, c] = [node(h.bus(), 'a', 50), node(h.bus(), 'b', 50), node(h.bus(), 'c', 50)];
    await a.join('x', entry('ca', 'a'));
    await c.join('x', entry('cc', 'c'));
    expect(b.members('x', 10).connections).toBe(2);
    h.send({ type: 'leave', nodeId: 'c', sentAt: Date.now() });
    expect(b.members('x', 10).connections).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(b.members('x', 10).connections).toBe(0);
    expect(a.members('x', 10).connections).toBe(1); // its own entries never expire
  });
});
