import type { Broadcast } from '#libs/transport';
import type { PendingSubscription } from '../connections/connection-registry.js';
import { cursorAfter, type Recovery } from './recovery.js';

/**
 * The hand-off from history to the live stream, as pure decisions the fan-out carries
 * out. Offsets decide: a message at or below what the subscriber was given is a
 * duplicate; the first one past it means the live stream has caught up.
 */

/** What to write after the `subscribed` reply, and what becomes of the subscription. */
export function handOff(pending: Extract<PendingSubscription, { state: 'recovering' }>, recovery: Recovery): { messages: Broadcast[]; next: Extract<PendingSubscription, { state: 'catching-up' }> | 'live' } {
  const messages: Broadcast[] = [...recovery.publications];
  let cursor = cursorAfter(recovery);
  let caughtUp = false;
  for (const message of pending.buffer) {
    const offset = message.position?.offset;
    if (offset !== undefined && offset <= cursor) continue;
    messages.push(message);
    if (offset !== undefined) cursor = offset;
    caughtUp = true;
  }
  return { messages, next: caughtUp ? 'live' : { state: 'catching-up', cursor } };
}

/** What to do with a live message for a subscriber that is catching up. */
export function admitWhileCatchingUp(pending: Extract<PendingSubscription, { state: 'catching-up' }>, message: Broadcast): 'drop' | 'deliver-and-go-live' {
  const offset = message.position?.offset;
  return offset !== undefined && offset <= pending.cursor ? 'drop' : 'deliver-and-go-live';
}
