import type { ServerFrame } from '../protocol/wire-format.js';
import type { Slot } from './reply-order.js';

/**
 * The reply slot of each request being handled, keyed by its parsed frame: Nest hands
 * that same object to the exception filter (`host.switchToWs().getData()`), which
 * settles the slot with the error frame, so errors keep their place in the reply order.
 */
export const replySlots = new WeakMap<object, Slot<ServerFrame>>();
