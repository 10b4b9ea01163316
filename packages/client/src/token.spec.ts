import { describe, expect, it, vi } from 'vitest';
import { jwtExpiry, TokenSource } from './token.js';

const b64url = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
const jwt = (claims: Record<string, unknown>) => `${b64url({ alg: 'HS256' })}.${b64url(claims)}.signature`;

describe('tokens', () => {
  it("reads a JWT's exp without verifying it", () => {
    expect(jwtExpiry(jwt({ sub: 'a', exp: 1_700_000_000 }))).toBe(1_700_000_000_000);
    // base64url characters (- and _) in the payload
    expect(jwtExpiry(jwt({ sub: '>>>???', exp: 5 }))).toBe(5000);
    expect(jwtExpiry(jwt({ sub: 'no-exp' }))).toBeUndefined();
    expect(jwtExpiry('opaque-token')).toBeUndefined();
    expect(jwtExpiry('a.!!!.c')).toBeUndefined();
  });

  it('keeps a callback token until it expires or is invalidated', async () => {
    let now = 1_000_000;
    let n = 0;
    const fetchToken = vi.fn(async () => jwt({ n: ++n, exp: (now + 60_000) / 1000 }));
    const tokens = new TokenSource(fetchToken, () => now);
    const first = await tokens.get();
    expect(await tokens.get()).toBe(first);
    expect(fetchToken).toHaveBeenCalledTimes(1);
    now += 60_000;
    expect(await tokens.get()).not.toBe(first);
    expect(fetchToken).toHaveBeenCalledTimes(2);
    tokens.invalidate();
    await tokens.get();
    expect(fetchToken).toHaveBeenCalledTimes(3);
  });

  it('a fixed token is what it is; a callback that gives no string fails', async () => {
    const fixed = new TokenSource('t');
    expect(fixed.refreshable).toBe(false);
    expect(await fixed.get()).toBe('t');
    expect(await new TokenSource(undefined).get()).toBeUndefined();
    await expect(new TokenSource(() => '' as string).get()).rejects.toThrow(/non-empty string/);
  });
});
