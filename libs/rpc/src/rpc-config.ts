import { z } from 'zod';
import type { RpcBackend } from './backend.js';
import { rpcBackends } from './backends.js';
import { RPC_EVENT_NAMES, type RpcEventName } from './envelope.js';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export type RpcBackendName = keyof typeof rpcBackends;
export const RPC_BACKEND_NAMES = ['none', ...Object.keys(rpcBackends)] as ['none', ...RpcBackendName[]];

type OptionsOf<B> = B extends RpcBackend<any, infer Options> ? Options : never;
/** The RPC backend chosen by RPC_BACKEND, with its validated options; `none`: RPC is off. */
export type RpcSelection = { kind: 'none' } | { [K in RpcBackendName]: { kind: K; options: OptionsOf<(typeof rpcBackends)[K]> } }[RpcBackendName];

/**
 * The RPC variables every node reads whatever the backend (README "RPC to workers"); each
 * backend's own live in its descriptor and are validated only when RPC_BACKEND names it.
 */
export const rpcEnvSchema = z.object({
  RPC_BACKEND: z.enum(RPC_BACKEND_NAMES).default('none'),
  RPC_TIMEOUT_MS: int(100, 600_000).default(5000),
  RPC_MAX_IN_FLIGHT: int(1, 10_000).default(32),
  RPC_MAX_PENDING: int(1, 10_000_000).default(100_000),
  RPC_MAX_PAYLOAD_BYTES: int(16, 64 * 1024 * 1024).default(65_536),
  RPC_MAX_REPLY_BYTES: int(16, 64 * 1024 * 1024).default(1024 * 1024),
  RPC_EVENTS: z
    .string()
    .refine(
      (value) => splitList(value).every((name) => (RPC_EVENT_NAMES as readonly string[]).includes(name)),
      `must be a comma-separated list of ${RPC_EVENT_NAMES.join(', ')}`,
    )
    .default(''),
});

const splitList = (value: string): string[] => value.split(',').map((item) => item.trim()).filter(Boolean);

export interface RpcLimits {
  /** How long a client waits for a reply before RPC_TIMEOUT; also the request's `deadline`. */
  timeoutMs: number;
  /** Requests one connection may have waiting; past it RPC_TOO_MANY_IN_FLIGHT. */
  maxInFlight: number;
  /** Requests this node keeps waiting for, over all connections: the pending map's bound. */
  maxPending: number;
  /** Largest request payload (as JSON); past it RPC_PAYLOAD_TOO_LARGE. */
  maxPayloadBytes: number;
  /** Largest reply accepted from a worker; past it the client gets RPC_ERROR REPLY_TOO_LARGE. */
  maxReplyBytes: number;
}

/** Everything the RPC module needs, built by libs/config from the environment. */
export interface RpcConfig extends RpcLimits {
  nodeId: string;
  backend: RpcSelection;
  /** Which connection events go to workers (RPC_EVENTS); empty: none. */
  events: RpcEventName[];
}

export type RpcEnv = z.infer<typeof rpcEnvSchema>;

/**
 * The config from validated core variables; the chosen backend's own variables are
 * validated from `source` with its schema. Returns the zod issues instead of throwing, so
 * libs/config reports them like every other variable.
 */
export function rpcConfigOf(env: RpcEnv, source: Record<string, string | undefined>, nodeId: string): { ok: true; config: RpcConfig } | { ok: false; issues: z.core.$ZodIssue[] } {
  let backend: RpcSelection = { kind: 'none' };
  if (env.RPC_BACKEND !== 'none') {
    const descriptor = rpcBackends[env.RPC_BACKEND] as RpcBackend;
    const parsed = descriptor.env.safeParse(source);
    if (!parsed.success) return { ok: false, issues: parsed.error.issues };
    backend = { kind: env.RPC_BACKEND, options: descriptor.options(parsed.data) } as RpcSelection;
  }
  return {
    ok: true,
    config: {
      nodeId,
      backend,
      timeoutMs: env.RPC_TIMEOUT_MS,
      maxInFlight: env.RPC_MAX_IN_FLIGHT,
      maxPending: env.RPC_MAX_PENDING,
      maxPayloadBytes: env.RPC_MAX_PAYLOAD_BYTES,
      maxReplyBytes: env.RPC_MAX_REPLY_BYTES,
      events: [...new Set(splitList(env.RPC_EVENTS))] as RpcEventName[],
    },
  };
}
