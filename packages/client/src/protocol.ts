// The wire protocol as the client sees it (docs/protocol.md).

/** A server frame. Replies to a request carry its `id`; broadcasts and the welcome never do. */
export interface ServerFrame {
  event: string;
  data?: any;
  id?: string | number;
}

/** A publication's place in a channel's history: its offset within one epoch. */
export interface StreamPosition {
  offset: number;
  epoch: string;
}

/** A message published on a channel, as every subscriber receives it. */
export interface Message<T = unknown> {
  channel: string;
  payload: T;
  /** The node the message was published on. */
  node: string;
  /** When that node accepted it, in ms since the epoch. */
  ts: number;
  /** On channels with history. */
  offset?: number;
  epoch?: string;
}

/** The server's greeting on every connection. */
export interface Welcome {
  connectionId: string;
  node: string;
  /** The token's `sub`, when authentication is on. */
  userId?: string;
}

/** The server's acknowledgement of a publish. */
export interface PublishAck {
  channel: string;
  /** On channels with history: the publication's position. */
  offset?: number;
  epoch?: string;
}

/** The `data` of a `subscribed` reply. */
export interface SubscribedReply {
  channel: string;
  offset?: number;
  epoch?: string;
  recovered?: boolean;
  reason?: string;
}

/** A frame the client sends. */
export interface ClientFrame {
  event: string;
  data?: unknown;
  id?: number;
}
