import { z } from 'zod';
import type { Broadcast, StreamPosition } from '../capabilities/broadcast.js';
import type { ControlMessage } from '../capabilities/control.js';

/**
 * How networked transports put messages on the wire.
 *
 * A broadcast travels as `<ts>|<origin>|<frame>`, or `<ts>|<origin>|<offset>|<epoch>|<frame>`
 * when it has a history position: the frame is already the client-ready JSON text (it
 * always starts with `{`, which tells the two forms apart), so receiving nodes slice it
 * out instead of parsing and re-serializing it. Node ids cannot contain `|` (config
 * validation), ts and offset are digits and epochs are hex, so the separators before
 * the frame are always the header's.
 */
export function encodeBroadcast(message: Broadcast): string {
  const head = `${message.ts}|${message.origin}|`;
  return message.position ? `${head}${message.position.offset}|${message.position.epoch}|${message.frame}` : head + message.frame;
}

/** The stored form of a publication: a broadcast without its position (history keeps that beside it). */
export const encodeUnpositioned = (message: Broadcast): string => `${message.ts}|${message.origin}|${message.frame}`;

export function decodeBroadcast(channel: string, text: string, position?: StreamPosition): Broadcast | undefined {
  const first = text.indexOf('|');
  const second = first < 0 ? -1 : text.indexOf('|', first + 1);
  if (second < 0) return undefined;
  const ts = Number(text.slice(0, first));
  if (!Number.isFinite(ts)) return undefined;
  const origin = text.slice(first + 1, second);
  if (text.charCodeAt(second + 1) === 0x7b /* { */) {
    const message: Broadcast = { channel, ts, origin, frame: text.slice(second + 1) };
    if (position) message.position = position;
    return message;
  }
  const third = text.indexOf('|', second + 1);
  const fourth = third < 0 ? -1 : text.indexOf('|', third + 1);
  if (fourth < 0) return undefined;
  const offset = Number(text.slice(second + 1, third));
  if (!Number.isSafeInteger(offset)) return undefined;
  return { channel, ts, origin, frame: text.slice(fourth + 1), position: { offset, epoch: text.slice(third + 1, fourth) } };
}

const channelStats = z.object({ subscribers: z.number().int().nonnegative(), messagesPerSec: z.number().nonnegative() });
const heartbeat = z.object({
  id: z.string().min(1).max(64),
  address: z.string().max(300),
  version: z.string().max(64),
  startedAt: z.number(),
  connections: z.number().int().nonnegative(),
  channels: z.record(z.string(), channelStats),
  messagesInPerSec: z.number().nonnegative(),
  messagesOutPerSec: z.number().nonnegative(),
  rpcPerSec: z.number().nonnegative().optional(),
  rpcTimeoutsPerSec: z.number().nonnegative().optional(),
  ready: z.boolean(),
  draining: z.boolean(),
  transport: z.string().max(32),
});
const nodeId = z.string().min(1).max(64);
const serverCommand = z.discriminatedUnion('action', [
  z
    .object({
      action: z.literal('disconnect'),
      userId: z.string().min(1).max(256).optional(),
      connectionId: z.string().min(1).max(64).optional(),
      code: z.number().int(),
      reason: z.string().max(123),
    })
    .refine((command) => (command.userId === undefined) !== (command.connectionId === undefined)),
  z.object({ action: z.enum(['subscribe', 'unsubscribe']), userId: z.string().min(1).max(256), channel: z.string().min(1).max(200) }),
]);
const presenceEntry = z
  .object({
    connectionId: z.string().min(1).max(64),
    userId: z.string().min(1).max(256).optional(),
    node: nodeId,
    joinedAt: z.number(),
    info: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
const channelName = z.string().min(1).max(200);
const controlMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('heartbeat'), node: heartbeat, sentAt: z.number() }),
  z.object({ type: z.literal('leave'), nodeId: z.string().min(1).max(64), sentAt: z.number() }),
  z.object({ type: z.literal('command'), id: z.string().min(1).max(64), from: nodeId, command: serverCommand, sentAt: z.number() }),
  z.object({ type: z.literal('presence'), nodeId, change: z.enum(['join', 'leave']), channel: channelName, entry: presenceEntry, sentAt: z.number() }),
  z.object({
    type: z.literal('presence_sync'),
    nodeId,
    seq: z.number().int().nonnegative(),
    part: z.number().int().nonnegative(),
    parts: z.number().int().positive().max(100_000),
    entries: z.array(z.object({ channel: channelName, entry: presenceEntry })).max(1000),
    sentAt: z.number(),
  }),
  z.object({ type: z.literal('command_reply'), id: z.string().min(1).max(64), to: nodeId, nodeId, affected: z.number().int().nonnegative(), sentAt: z.number() }),
]);

export function encodeControl(message: ControlMessage): string {
  return JSON.stringify(message);
}

/** Control traffic comes from other processes: validated here, once, or dropped. */
export function decodeControl(text: string): ControlMessage | undefined {
  try {
    const parsed = controlMessage.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
