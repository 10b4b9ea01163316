import { describe, expect, it } from 'vitest';
import { measureClient } from '../../packages/client/scripts/size.mjs';

/** The client's weight as an application ships it, held to its goal: at most 6 KB minified and gzipped. */
const GOAL_GZIPPED_BYTES = 6 * 1024;

describe('@switchboard/client bundle size', () => {
  it(`is at most ${GOAL_GZIPPED_BYTES} bytes minified and gzipped`, async () => {
    const { minified, gzipped } = await measureClient();
    console.log(`[client] bundle: ${minified} B minified, ${gzipped} B minified + gzipped (goal ≤ ${GOAL_GZIPPED_BYTES})`);
    expect(gzipped).toBeLessThanOrEqual(GOAL_GZIPPED_BYTES);
  });
});
