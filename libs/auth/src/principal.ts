import { ChannelPermissions } from './channel-permissions.js';
import { MethodPermissions } from './method-permissions.js';

/** Who is on a connection and what it may do, fixed at upgrade time. */
export interface Principal {
  /** The token's `sub`; undefined when authentication is off. */
  userId?: string;
  permissions: ChannelPermissions;
  /** Which `rpc` methods it may call. */
  methods: MethodPermissions;
  /** The token's `presence` claim, when it is an object of at most 256 bytes of JSON: shown in presence entries. */
  info?: Record<string, unknown>;
}

/** The largest `presence` claim kept, in bytes of JSON; a larger one is ignored. */
export const PRESENCE_INFO_MAX_BYTES = 256;

/** The `presence` claim when it is a plain object within {@link PRESENCE_INFO_MAX_BYTES}; otherwise undefined. */
export function presenceInfoFromClaim(claim: unknown): Record<string, unknown> | undefined {
  if (!claim || typeof claim !== 'object' || Array.isArray(claim)) return undefined;
  return Buffer.byteLength(JSON.stringify(claim)) <= PRESENCE_INFO_MAX_BYTES ? (claim as Record<string, unknown>) : undefined;
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
