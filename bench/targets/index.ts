import { bridge, raw, socketio } from './peers.js';
import { switchboard } from './switchboard.js';
import type { Target, TargetId } from './target.js';

/** Every server the bench compares, Switchboard first. */
export const TARGETS: Target[] = [switchboard, socketio, bridge, raw];

export function targetsNamed(ids: readonly string[] | undefined): Target[] {
  if (!ids || ids.length === 0) return TARGETS;
  const unknown = ids.filter((id) => !TARGETS.some((t) => t.id === id));
  if (unknown.length > 0) throw new Error(`unknown target(s) ${unknown.join(', ')}; known: ${TARGETS.map((t) => t.id).join(', ')}`);
  return TARGETS.filter((t) => ids.includes(t.id as TargetId));
}

export type { Target, TargetId } from './target.js';
