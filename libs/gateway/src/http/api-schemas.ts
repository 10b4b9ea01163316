import type { SchemaObject } from '@nestjs/swagger';
import { CHANNEL_PATTERN } from '../protocol/frames.js';

/** JSON Schemas of the gateway's HTTP bodies for the OpenAPI document; the zod rules in protocol/frames.ts are what is enforced. */
export const channelSchema: SchemaObject = {
  type: 'string',
  pattern: CHANNEL_PATTERN.source,
  minLength: 1,
  maxLength: 200,
  description: '1-200 characters from A-Za-z0-9_.:@/-',
  example: 'chat:lobby',
};

const offsetSchema: SchemaObject = { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER };
const epochSchema: SchemaObject = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$', description: 'names one unbroken history of the channel', example: '9f2c01ab77e4' };

export const publishBodySchema: SchemaObject = {
  type: 'object',
  required: ['channel', 'payload'],
  additionalProperties: false,
  properties: {
    channel: channelSchema,
    payload: { description: 'any JSON value, null included; subscribers receive it as the `payload` of a `message` frame' },
  },
  example: { channel: 'chat:lobby', payload: { text: 'hi' } },
};

export const publishResponseSchema: SchemaObject = {
  type: 'object',
  required: ['accepted', 'channel', 'ts'],
  additionalProperties: false,
  properties: {
    accepted: { type: 'boolean', enum: [true] },
    channel: channelSchema,
    ts: { type: 'integer', description: 'ms since the epoch at which this node accepted the message' },
    offset: { ...offsetSchema, description: "on channels with history: the publication's offset" },
    epoch: { ...epochSchema, description: "on channels with history: the channel's epoch" },
  },
};

export const historyResponseSchema: SchemaObject = {
  type: 'object',
  required: ['channel', 'offset', 'epoch', 'publications', 'more', 'truncated'],
  additionalProperties: false,
  properties: {
    channel: channelSchema,
    offset: { ...offsetSchema, description: "the channel's top offset" },
    epoch: { ...epochSchema, description: 'compare it with the epoch a previous page gave: another epoch is another history' },
    publications: {
      type: 'array',
      description: 'oldest first',
      items: {
        type: 'object',
        required: ['offset', 'ts', 'node', 'payload'],
        additionalProperties: false,
        properties: {
          offset: offsetSchema,
          ts: { type: 'integer', description: 'ms since the epoch at which the origin node accepted it' },
          node: { type: 'string', description: 'NODE_ID of the node it was published on' },
          payload: { description: 'the published JSON value' },
        },
      },
    },
    more: { type: 'boolean', description: 'more publications follow the last one returned: ask again with `since` = its offset' },
    truncated: { type: 'boolean', description: 'some publications after `since` are no longer kept' },
  },
};

const userIdSchema: SchemaObject = { type: 'string', minLength: 1, maxLength: 256, description: "the user id (the token's `sub`) whose connections, on every node, are affected", example: 'user-42' };

export const disconnectBodySchema: SchemaObject = {
  type: 'object',
  additionalProperties: false,
  description: 'exactly one of `userId` and `connectionId`',
  properties: {
    userId: userIdSchema,
    connectionId: { type: 'string', minLength: 1, maxLength: 64, description: 'a connection id (from `welcome`)' },
    code: { type: 'integer', description: 'the close code: 1000 or 4000-4999', default: 1000, example: 4001 },
    reason: { type: 'string', maxLength: 123, description: 'the close reason (at most 123 bytes of UTF-8)', default: '' },
  },
  example: { userId: 'user-42', code: 4001, reason: 'banned' },
};

export const channelCommandBodySchema: SchemaObject = {
  type: 'object',
  required: ['userId', 'channel'],
  additionalProperties: false,
  properties: { userId: userIdSchema, channel: channelSchema },
  example: { userId: 'user-42', channel: 'chat:lobby' },
};

export const commandResponseSchema: SchemaObject = {
  type: 'object',
  required: ['affected', 'nodes', 'unanswered'],
  additionalProperties: false,
  properties: {
    affected: { type: 'integer', minimum: 0, description: 'connections affected on the nodes that answered' },
    nodes: { type: 'array', items: { type: 'string' }, description: 'NODE_IDs that answered within 1 s, this node included' },
    unanswered: { type: 'array', items: { type: 'string' }, description: 'live nodes that did not answer within 1 s: their connections are not counted (the command may still have reached them)' },
  },
};

const presenceEntrySchema: SchemaObject = {
  type: 'object',
  required: ['connectionId', 'node', 'joinedAt'],
  additionalProperties: false,
  properties: {
    connectionId: { type: 'string' },
    userId: { type: 'string', description: "the token's `sub` (absent when authentication is off)" },
    node: { type: 'string', description: 'NODE_ID of the node holding the connection' },
    joinedAt: { type: 'integer', description: 'ms since the epoch at which it joined the channel' },
    info: { type: 'object', description: "the token's `presence` claim (at most 256 bytes of JSON)" },
  },
};

export const presenceResponseSchema: SchemaObject = {
  type: 'object',
  required: ['channel', 'members', 'connections', 'users', 'truncated'],
  additionalProperties: false,
  properties: {
    channel: channelSchema,
    members: { type: 'array', items: presenceEntrySchema, maxItems: 1000, description: 'oldest join first, at most 1000' },
    connections: { type: 'integer', minimum: 0, description: 'connections present, all of them' },
    users: { type: 'integer', minimum: 0, description: 'distinct user ids (a connection without one counts as one)' },
    truncated: { type: 'boolean', description: 'more connections are present than `members` lists' },
  },
};
