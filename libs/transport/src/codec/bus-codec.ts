import { z } from 'zod';
import type { Broadcast, ControlMessage } from '../transport.js';

/**
 * How networked transports put messages on the wire.
 *
 * A broadcast travels as `<ts>|<origin>|<frame>`: the frame is already the client-ready
 * JSON text, so receiving nodes slice it out instead of parsing and re-serializing it.
 * Node ids cannot contain `|` (config validation), and ts is digits, so the first two
 * separators are always the header's.
 */
export function encodeBroadcast(message: Broadcast): string {
  return `${message.ts}|${message.origin}|${message.frame}`;
}

export function decodeBroadcast(channel: string, text: string): Broadcast | undefined {
  const first = text.indexOf('|');
  const second = first < 0 ? -1 : text.indexOf('|', first + 1);
  if (second < 0) return undefined;
  const ts = Number(text.slice(0, first));
  if (!Number.isFinite(ts)) return undefined;
  return { channel, ts, origin: text.slice(first + 1, second), frame: text.slice(second + 1) };
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
  ready: z.boolean(),
  draining: z.boolean(),
  transport: z.string().max(32),
});
const controlMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('heartbeat'), node: heartbeat, sentAt: z.number() }),
  z.object({ type: z.literal('leave'), nodeId: z.string().min(1).max(64), sentAt: z.number() }),
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
