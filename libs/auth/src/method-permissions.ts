import { anyPattern } from './patterns.js';

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
    // The same patterns as channels: `*`, `orders.*`, an exact method.
    return new MethodPermissions(anyPattern(patterns));
  }

  canCall(method: string): boolean {
    return this.callable(method);
  }
}
