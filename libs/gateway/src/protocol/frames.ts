import { z } from 'zod';

export const CHANNEL_PATTERN = /^[A-Za-z0-9_.:@/-]{1,200}$/;
export const CHANNEL_RULE = 'a channel is a string of 1-200 characters from A-Za-z0-9_.:@/-';

// A missing channel is a malformed request (BAD_REQUEST); a channel that breaks the rule is INVALID_CHANNEL.
const channel = z.string({ error: (issue) => (issue.input === undefined ? 'channel is required' : CHANNEL_RULE) }).regex(CHANNEL_PATTERN, CHANNEL_RULE);
const requestId = z.union([z.string().max(128), z.number().finite()]);
// `payload` may be any JSON value, null included, but must be present.
const payload = z.unknown().refine((value) => value !== undefined, 'payload is required');

export const channelBody = z.object({ channel }).strict();
/** A position a subscriber had, as the `offset` and `epoch` of the last message it received. */
export const streamPosition = z
  .object({
    offset: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    epoch: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'epoch must be the string a server gave'),
  })
  .strict();
/** `presence: true` asks for `join`/`leave` events on a channel with presence. */
export const subscribeBody = z.object({ channel, since: streamPosition.optional(), presence: z.boolean().optional() }).strict();
export const publishBody = z.object({ channel, payload }).strict();
export const METHOD_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
/** A request to a back-end worker (docs/protocol.md "RPC"); a missing payload is `null`. */
export const rpcBody = z.object({ method: z.string({ error: 'method is required' }).regex(METHOD_PATTERN, 'method must be 1-128 characters from A-Za-z0-9_.:-'), payload: z.unknown().optional() }).strict();

/** Each event a client may send, with the shape of its `data`. */
export const clientEvents = {
  echo: z.unknown(),
  subscribe: subscribeBody,
  unsubscribe: channelBody,
  publish: publishBody,
  rpc: rpcBody,
  presence: channelBody,
  presence_stats: channelBody,
} as const;

export type ClientEventName = keyof typeof clientEvents;
export type ClientFrame = {
  [E in ClientEventName]: { event: E; data: z.infer<(typeof clientEvents)[E]>; id?: string | number };
}[ClientEventName];
export type FrameOf<E extends ClientEventName> = Extract<ClientFrame, { event: E }>;

/** The envelope every client frame shares, before its event is known. */
export const envelope = z.object({
  event: z.string({ error: '"event" must be a string' }).min(1, '"event" must not be empty'),
  data: z.unknown().optional(),
  id: requestId.optional(),
});

export const isClientEvent = (event: string): event is ClientEventName => Object.hasOwn(clientEvents, event);

/** What a handler answers with; the adapter adds the request's `id`. */
export interface Reply {
  event: string;
  data: unknown;
  /**
   * Runs right after the reply is written, in the same tick: what must follow the reply
   * on the socket, before anything else (a recovery's missed messages), goes here.
   */
  afterSend?: () => void;
}
