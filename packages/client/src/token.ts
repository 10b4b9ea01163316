/** A fixed token, or a callback that fetches a fresh one (e.g. from your back end). */
export type TokenOption = string | (() => string | Promise<string>);

/**
 * The token for the next upgrade. A callback's token is kept until it is known or
 * suspected to be bad: its JWT `exp` has passed (read without verifying, only to avoid an
 * upgrade that is sure to fail), or the client invalidated it after refused upgrades.
 */
export class TokenSource {
  private readonly option: TokenOption | undefined;
  private cached: string | undefined;
  private readonly now: () => number;

  constructor(option: TokenOption | undefined, now: () => number = Date.now) {
    this.option = option;
    this.now = now;
  }

  /** Whether a fresh token can be asked for. */
  get refreshable(): boolean {
    return typeof this.option === 'function';
  }

  /** The next `get()` asks the callback again. */
  invalidate(): void {
    this.cached = undefined;
  }

  /** @throws whatever the callback throws, or a TypeError when it gives no string. */
  async get(): Promise<string | undefined> {
    const option = this.option;
    if (typeof option !== 'function') return option;
    const cached = this.cached;
    if (cached !== undefined && !isExpired(cached, this.now())) return cached;
    const token = await option();
    if (typeof token !== 'string' || token === '') throw new TypeError('the token callback must return a non-empty string');
    this.cached = token;
    return token;
  }
}

/** A JWT's `exp` in ms since the epoch, or undefined when the token is not a JWT with one. */
export function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

function isExpired(token: string, now: number): boolean {
  const expiry = jwtExpiry(token);
  return expiry !== undefined && expiry <= now;
}
