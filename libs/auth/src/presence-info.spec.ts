import { describe, expect, it } from 'vitest';
import { PRESENCE_INFO_MAX_BYTES, presenceInfoFromClaim } from './principal.js';

describe('presenceInfoFromClaim', () => {
  it('keeps a plain object up to the byte limit, counting UTF-8 bytes', () => {
    expect(presenceInfoFromClaim({ name: 'Ann' })).toEqual({ name: 'Ann' });
    const fits = { n: 'x'.repeat(PRESENCE_INFO_MAX_BYTES - 8) }; // {"n":""} is 8 bytes
    expect(presenceInfoFromClaim(fits)).toBe(fits);
    expect(presenceInfoFromClaim({ n: 'é'.repeat(PRESENCE_INFO_MAX_BYTES / 2) })).toBeUndefined();
  });

  it('ignores anything that is not a plain object', () => {
    for (const claim of [undefined, null, 'name', 3, ['a'], true]) expect(presenceInfoFromClaim(claim)).toBeUndefined();
  });
});
