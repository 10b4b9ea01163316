/**
 * A method pattern from a token: `*` (any method), `prefix*` (methods starting with
 * prefix, e.g. `orders.*`), or an exact method name. The same patterns as channels.
 */
function matcher(pattern: string): (method: string) => boolean {
  if (pattern === '*') return () => true;
  if (pattern.endsWith('*')) {
    const prefix = pattern.slice(0, -1);
    return (method) => method.startsWith(prefix);
  }
  return (method) => method === pattern;
}

/**
 * Which `rpc` methods one connection may call: every method without authentication, and
 * with it those the token's methods claim (AUTH_RPC_CLAIM, default `rpc`) lists, as a
 * list of patterns. A token without the claim may call none.
 */
export class MethodPermissions {
  private constructor(private readonly callable: (method: string) => boolean) {}

  static unrestricted(): MethodPermissions {
    return new MethodPermissions(() => true);
  }

  static fromClaim(claim: unknown): MethodPermissions {
    const patterns = Array.isArray(claim) ? claim.filter((value): value is string => typeof value === 'string' && value.length > 0) : [];
    const matchers = patterns.map(matcher);
    return new MethodPermissions((method) => matchers.some((match) => match(method)));
  }

  canCall(method: string): boolean {
    return this.callable(method);
  }
}
