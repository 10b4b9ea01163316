import type { StreamPosition } from '#libs/transport';

/**
 * Adds a publication's position to its client frame. Frames are built by `encodeMessage`
 * and always end with the two braces that close `data` and the frame, so the position
 * goes in front of them: one string operation per broadcast and node, never per subscriber.
 */
export function withPosition(frame: string, position: StreamPosition): string {
  return `${frame.slice(0, -2)},"offset":${position.offset},"epoch":${JSON.stringify(position.epoch)}}}`;
}
