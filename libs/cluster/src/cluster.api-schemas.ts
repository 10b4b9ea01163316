import type { SchemaObject } from '@nestjs/swagger';

/** JSON Schemas of the cluster view (cluster-node.ts) for the OpenAPI document. */
const rate: SchemaObject = { type: 'number', minimum: 0 };
const count: SchemaObject = { type: 'integer', minimum: 0 };
const ms: SchemaObject = { type: 'integer', description: 'ms since the epoch' };

export const clusterNodeSchema: SchemaObject = {
  type: 'object',
  required: ['id', 'address', 'version', 'transport', 'startedAt', 'lastSeen', 'connections', 'channels', 'subscriptions', 'messagesInPerSec', 'messagesOutPerSec', 'rpcPerSec', 'rpcTimeoutsPerSec', 'ready', 'draining', 'status', 'self'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', description: 'NODE_ID' },
    address: { type: 'string' },
    version: { type: 'string' },
    transport: { type: 'string', description: '`memory`, `redis` or `kafka`' },
    startedAt: ms,
    lastSeen: { ...ms, description: 'when the answering node last heard from it (ms since the epoch)' },
    connections: count,
    channels: { ...count, description: 'channels with at least one local subscriber' },
    subscriptions: count,
    messagesInPerSec: rate,
    messagesOutPerSec: rate,
    rpcPerSec: { ...rate, description: 'client RPC requests answered per second (any outcome)' },
    rpcTimeoutsPerSec: { ...rate, description: 'of them, RPC_TIMEOUT per second' },
    ready: { type: 'boolean' },
    draining: { type: 'boolean' },
    status: { type: 'string', enum: ['ready', 'not-ready', 'draining', 'gone'], description: 'a node that left stays `gone` for 5 minutes' },
    self: { type: 'boolean', description: 'the node that answered' },
  },
};

export const channelSummarySchema: SchemaObject = {
  type: 'object',
  required: ['channel', 'subscribers', 'nodes', 'messagesPerSec'],
  additionalProperties: false,
  properties: {
    channel: { type: 'string' },
    subscribers: { ...count, description: 'summed over the cluster' },
    nodes: { ...count, description: 'nodes with local subscribers to it' },
    messagesPerSec: rate,
  },
};

export const clusterOverviewSchema: SchemaObject = {
  type: 'object',
  required: ['node', 'transport', 'nodes', 'connections', 'messagesInPerSec', 'messagesOutPerSec', 'adminProtected'],
  additionalProperties: false,
  properties: {
    node: { type: 'string', description: 'the node that answered' },
    transport: {
      type: 'object',
      required: ['kind', 'ready', 'detail'],
      additionalProperties: false,
      properties: { kind: { type: 'string' }, ready: { type: 'boolean' }, detail: { type: 'string' } },
    },
    nodes: { type: 'object', required: ['up', 'gone'], additionalProperties: false, properties: { up: count, gone: count } },
    connections: count,
    messagesInPerSec: rate,
    messagesOutPerSec: rate,
    adminProtected: { type: 'boolean', description: 'whether ADMIN_TOKEN is set' },
  },
};
