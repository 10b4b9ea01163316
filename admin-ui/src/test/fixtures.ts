import type { ChannelSummary, ClusterNode, ClusterOverview } from '../api/types';

export const NOW = 1_760_000_000_000;

export function node(id: string, overrides: Partial<ClusterNode> = {}): ClusterNode {
  return {
    id,
    address: `${id}.local:3000`,
    version: '0.1.0',
    transport: 'redis',
    startedAt: NOW - 3_600_000,
    lastSeen: NOW - 400,
    connections: 10,
    channels: 2,
    subscriptions: 12,
    messagesInPerSec: 1.5,
    messagesOutPerSec: 20,
    ready: true,
    draining: false,
    status: 'ready',
    self: false,
    ...overrides,
  };
}

export function overview(overrides: Partial<ClusterOverview> = {}): ClusterOverview {
  return {
    node: 'node-a',
    transport: { kind: 'redis', ready: true, detail: 'connected to redis://127.0.0.1:6379' },
    nodes: { up: 2, gone: 0 },
    connections: 20,
    messagesInPerSec: 3,
    messagesOutPerSec: 40,
    adminProtected: true,
    ...overrides,
  };
}

export const channel = (name: string, subscribers: number, messagesPerSec: number, nodes = 1): ChannelSummary => ({
  channel: name,
  subscribers,
  nodes,
  messagesPerSec,
});
