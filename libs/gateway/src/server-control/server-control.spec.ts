import { describe, expect, it } from 'vitest';
import type { ClusterService } from '#libs/cluster';
import type { SwitchboardConfig } from '#libs/config';
import { MetricsService } from '#libs/metrics';
import { type ControlMessage, type ServerCommand, type Transport } from '#libs/transport';
import type { ConnectionRegistry } from '../connections/connection-registry.js';
import type { PresenceService } from '../presence/presence.service.js';
import { ServerControl } from './server-control.service.js';

/** A control channel between several ServerControls, delivering to all of them (the sender too). */
function controlBus() {
  const handlers: Array<(message: ControlMessage) => void> = [];
  return {
    onControl: (handler: (message: ControlMessage) => void) => handlers.push(handler),
    publishControl: async (message: ControlMessage) => {
      queueMicrotask(() => handlers.forEach((handler) => handler(message)));
    },
  } as unknown as Transport;
}

function node(bus: Transport, nodeId: string, peers: string[], users: string[]) {
  const connections = users.map((userId, i) => ({ id: `${nodeId}-${i}`, principal: { userId }, socket: { close: () => undefined }, subscriptions: new Set<string>() }));
  const registry = { all: () => connections.values() } as unknown as ConnectionRegistry;
  const cluster = { livePeerIds: () => peers } as unknown as ClusterService;
  const config = { nodeId, limits: { maxSubscriptionsPerConnection: 10 } } as unknown as SwitchboardConfig;
  return new ServerControl(config, bus, registry, cluster, {} as PresenceService, new MetricsService());
}

const disconnect: ServerCommand = { action: 'disconnect', userId: 'u', code: 4000, reason: '' };

describe('ServerControl', () => {
  it('sums the answers of every live node, this one included, and answers as soon as all did', async () => {
    const bus = controlBus();
    const a = node(bus, 'a', ['b'], ['u', 'v']);
    node(bus, 'b', ['a'], ['u', 'u']);
    const started = Date.now();
    expect(await a.run(disconnect, 5_000)).toEqual({ affected: 3, nodes: ['a', 'b'], unanswered: [] });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('names a live node that does not answer within the timeout, and leaves its connections out of the count', async () => {
    const bus = controlBus();
    const a = node(bus, 'a', ['b', 'silent'], ['u']);
    node(bus, 'b', ['a'], ['u']);
    expect(await a.run(disconnect, 100)).toEqual({ affected: 2, nodes: ['a', 'b'], unanswered: ['silent'] });
  });
});
