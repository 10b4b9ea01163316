/**
 * The gateway ↔ worker contract, version 1 (docs/rpc.md): JSON documents, the same on
 * every backend. This package keeps its own copy of the types so that it depends on
 * nothing of the gateway's.
 */
export const ENVELOPE_VERSION = 1;

/** One client request, as a worker receives it. */
export interface RpcRequest {
  v: 1;
  type: 'request';
  /** Correlation id: the reply carries it. */
  id: string;
  method: string;
  /** The client's payload; bytes from MessagePack clients arrive as `{"$binary": "<base64>"}`. */
  payload: unknown;
  connectionId: string;
  /** The token's `sub`, when the gateway authenticates clients. */
  userId?: string;
  /** NODE_ID of the gateway node the client is on. */
  node: string;
  /** Milliseconds since the epoch: past it the client has been told RPC_TIMEOUT. */
  deadline: number;
  /** Kafka topic or AMQP queue for the reply. */
  replyTo?: string;
}

export interface RpcErrorBody {
  code: string;
  message: string;
  data?: unknown;
}

export interface RpcReply {
  v: 1;
  type: 'reply';
  id: string;
  result?: unknown;
  error?: RpcErrorBody;
  worker?: string;
  redelivered?: boolean;
}

/** A connection event (the gateway's RPC_EVENTS). */
export interface RpcEvent {
  v: 1;
  type: 'event';
  event: 'connect' | 'disconnect' | 'subscribe' | 'unsubscribe';
  connectionId: string;
  userId?: string;
  node: string;
  ts: number;
  channel?: string;
}

/** What arrived, when it is a request or an event this version understands. */
export function parseMessage(body: string | Uint8Array): RpcRequest | RpcEvent | { invalid: string } {
  let value: unknown;
  try {
    value = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString());
  } catch {
    return { invalid: 'not JSON' };
  }
  if (!value || typeof value !== 'object') return { invalid: 'not an object' };
  const message = value as Partial<RpcRequest> & Partial<RpcEvent> & { v?: unknown };
  if (message.v !== ENVELOPE_VERSION) return { invalid: `unsupported envelope version ${JSON.stringify(message.v)}` };
  if (message.type === 'event' && typeof message.event === 'string' && typeof message.connectionId === 'string') return message as RpcEvent;
  if (message.type !== 'request') return { invalid: `unknown type ${JSON.stringify(message.type)}` };
  if (typeof message.id !== 'string' || typeof message.method !== 'string' || typeof message.deadline !== 'number' || typeof message.connectionId !== 'string') {
    return { invalid: 'a request needs id, method, connectionId and deadline' };
  }
  return message as RpcRequest;
}
