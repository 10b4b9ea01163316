import { Emitter } from './emitter.js';
import type { SwitchboardError } from './errors.js';
import type { Message, StreamPosition, SubscribedReply } from './protocol.js';

export type SubscriptionState = 'subscribing' | 'subscribed' | 'unsubscribed';

/** Each time the server confirms the subscription: the first time and after every reconnect. */
export interface Subscribed {
  channel: string;
  /** False on the first subscribe; true when restored after a reconnect. */
  resubscribed: boolean;
  /**
   * After a reconnect: true when every message missed meanwhile follows (recovered from
   * the channel's history), false when some are lost (see `reason` and the `gap` event).
   * Undefined on the first subscribe.
   */
  recovered?: boolean;
  reason?: string;
  /** Where the subscription stands, on channels with history. */
  position?: StreamPosition;
}

/**
 * Messages were missed and will not be delivered: fill the gap another way (reload from
 * your back end, or GET /api/channels/{channel}/history). Reasons: the server's
 * (`epoch_changed`, `too_old`, `too_many`, `history_off`), where `history_off` also means
 * a channel without history was resubscribed after a reconnect.
 */
export interface Gap {
  channel: string;
  reason: string;
  /** The position the subscription continues from. */
  position?: StreamPosition;
}

export type SubscriptionEvents<T> = {
  message: [message: Message<T>];
  subscribed: [info: Subscribed];
  gap: [gap: Gap];
  /** The server refused the subscription for good (e.g. FORBIDDEN); it has ended. */
  error: [error: SwitchboardError];
};

/** @internal What a subscription needs from its client. */
export interface SubscriptionOwner {
  remove(subscription: Subscription<any>): Promise<void>;
}

/**
 * One channel this client is subscribed to, kept across reconnects with the position of
 * the last message it delivered, so the next subscribe can ask for what was missed.
 * Within one epoch it never delivers an offset at or below the last one delivered.
 */
export class Subscription<T = unknown> extends Emitter<SubscriptionEvents<T>> {
  readonly channel: string;
  /** Resolves on the first `subscribed`, rejects if the server refuses the subscription. */
  readonly ready: Promise<Subscribed>;
  private currentState: SubscriptionState = 'subscribing';
  private last: StreamPosition | undefined;
  private confirmed = false;
  private dropped = 0;
  private readonly owner: SubscriptionOwner;
  private settleReady!: { resolve: (info: Subscribed) => void; reject: (error: SwitchboardError) => void };

  /** @internal Made by `Switchboard.subscribe`. */
  constructor(channel: string, owner: SubscriptionOwner) {
    super();
    this.channel = channel;
    this.owner = owner;
    this.ready = new Promise((resolve, reject) => (this.settleReady = { resolve, reject }));
    // A refusal nobody awaits must not become an unhandled rejection; it is also an `error` event.
    this.ready.catch(() => undefined);
  }

  get state(): SubscriptionState {
    return this.currentState;
  }

  /** The position of the last message delivered (or the one the server gave), on channels with history. */
  get position(): StreamPosition | undefined {
    return this.last;
  }

  /** Messages dropped because their offset was not past the last one delivered. */
  get duplicatesDropped(): number {
    return this.dropped;
  }

  unsubscribe(): Promise<void> {
    return this.owner.remove(this);
  }

  /** @internal The `data` of the next subscribe request. */
  request(): { channel: string; since?: StreamPosition } {
    return this.last ? { channel: this.channel, since: this.last } : { channel: this.channel };
  }

  /** @internal The connection was lost: the subscription waits for the next one. */
  suspend(): void {
    if (this.currentState === 'subscribed') this.currentState = 'subscribing';
  }

  /** @internal The server's `subscribed` reply to `request()`. */
  subscribed(reply: SubscribedReply, askedSince: boolean): void {
    if (this.currentState === 'unsubscribed') return;
    const resubscribed = this.confirmed;
    let recovered: boolean | undefined;
    let reason: string | undefined;
    if (askedSince) {
      // No `recovered` in the reply: the connection already had the subscription, so nothing was missed on it.
      recovered = reply.recovered ?? true;
      reason = reply.reason;
    } else if (resubscribed) {
      // Resubscribed without a position: a channel without history, which has no replay.
      recovered = false;
      reason = 'history_off';
    }
    // A first position, or the one the live stream continues from after a gap. With a
    // recovery the missed messages follow and move the position themselves.
    if (typeof reply.offset === 'number' && typeof reply.epoch === 'string' && (!this.last || recovered === false)) {
      this.last = { offset: reply.offset, epoch: reply.epoch };
    }
    this.currentState = 'subscribed';
    this.confirmed = true;
    const info: Subscribed = { channel: this.channel, resubscribed };
    if (recovered !== undefined) info.recovered = recovered;
    if (reason !== undefined) info.reason = reason;
    if (this.last) info.position = this.last;
    this.settleReady.resolve(info);
    this.emit('subscribed', info);
    if (recovered === false) this.emit('gap', { channel: this.channel, reason: reason ?? 'unknown', ...(this.last ? { position: this.last } : {}) });
  }

  /** @internal A `message` frame for this channel. */
  deliver(message: Message<T>): void {
    if (this.currentState === 'unsubscribed') return;
    const { offset, epoch } = message;
    if (typeof offset === 'number' && typeof epoch === 'string') {
      const last = this.last;
      if (last && last.epoch === epoch && offset <= last.offset) {
        this.dropped++;
        return;
      }
      this.last = { offset, epoch };
      // A new epoch mid-stream: the history before it is gone, and with it whatever fell between.
      if (last && last.epoch !== epoch) this.emit('gap', { channel: this.channel, reason: 'epoch_changed', position: this.last });
    }
    this.emit('message', message);
  }

  /** @internal Refused for good, or unsubscribed: the subscription is over. */
  end(error?: SwitchboardError): void {
    if (this.currentState === 'unsubscribed') return;
    this.currentState = 'unsubscribed';
    if (error) {
      this.settleReady.reject(error);
      this.emit('error', error);
    }
  }
}
