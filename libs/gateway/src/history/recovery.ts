import type { Broadcast, ChannelHistory, HistoryOptions, StreamPosition } from '#libs/transport';

/** Why a subscriber's gap could not be filled; docs/protocol.md explains each. */
export type RecoveryFailure = 'epoch_changed' | 'too_old' | 'too_many' | 'history_off';

export type Recovery =
  | { recovered: true; position: StreamPosition; publications: Broadcast[] }
  | { recovered: false; reason: RecoveryFailure; position: StreamPosition; publications: [] };

/**
 * Decides what a subscriber that was at `since` gets: every publication it missed, or
 * none and the reason. Never a partial recovery: a gap that cannot be filled completely
 * is reported as not recovered, and the subscriber continues from the channel's top.
 */
export async function recoverFrom(history: ChannelHistory, channel: string, since: StreamPosition, options: HistoryOptions, maxMessages: number): Promise<Recovery> {
  const page = await history.read(channel, { since: since.offset, limit: maxMessages }, options);
  const failed = (reason: RecoveryFailure): Recovery => ({ recovered: false, reason, position: page.position, publications: [] });
  // A position ahead of the stream can only come from another history of the channel.
  if (page.position.epoch !== since.epoch || since.offset > page.position.offset) return failed('epoch_changed');
  if (page.truncated) return failed('too_old');
  if (page.more) return failed('too_many');
  return { recovered: true, position: page.position, publications: page.publications };
}

/** Where the live stream takes over: after everything the subscriber has been given. */
export function cursorAfter(recovery: Recovery): number {
  const last = recovery.publications.at(-1)?.position?.offset ?? 0;
  return Math.max(recovery.position.offset, last);
}
