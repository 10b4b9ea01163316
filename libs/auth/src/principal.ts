import { ChannelPermissions } from './channel-permissions.js';
import { MethodPermissions } from './method-permissions.js';

/** Who is on a connection and what it may do, fixed at upgrade time. */
export interface Principal {
  /** The token's `sub`; undefined when authentication is off. */
  userId?: string;
  permissions: ChannelPermissions;
  /** Which `rpc` methods it may call. */
  methods: MethodPermissions;
}

export const ANONYMOUS: Principal = { permissions: ChannelPermissions.unrestricted(), methods: MethodPermissions.unrestricted() };

/**
 * Reads channel patterns from the token claim: either a list (subscribe and publish) or
 * `{subscribe: [...], publish: [...]}`. Anything else grants no channel.
 */
export function permissionsFromClaim(sub: string, claim: unknown): ChannelPermissions {
  const list = (value: unknown) => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);
  if (Array.isArray(claim)) return ChannelPermissions.forUser(sub, list(claim), list(claim));
  if (claim && typeof claim === 'object') {
    const { subscribe, publish } = claim as { subscribe?: unknown; publish?: unknown };
    return ChannelPermissions.forUser(sub, list(subscribe), list(publish));
  }
  return ChannelPermissions.forUser(sub, [], []);
}

const principals = new WeakMap<object, Principal>();

/** Hands the principal from the upgrade to the connection handler, keyed by the upgrade request. */
export function attachPrincipal(request: object, principal: Principal): void {
  principals.set(request, principal);
}

export function principalOf(request: object): Principal {
  return principals.get(request) ?? ANONYMOUS;
}
