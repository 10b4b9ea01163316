import { Logger } from '@nestjs/common';
import type { Broadcast, Transport, TransportEvent, TransportHealth } from '../capabilities/broadcast.js';
import type { ControlMessage } from '../capabilities/control.js';
import { TransportUnavailableError } from '../capabilities/errors.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What every backend of the broadcast capability shares, so a backend only says how it
 * talks to its server: the registered handlers, the set of followed channels, the
 * stopped state, error bookkeeping (one log line per new error, an `error` event each
 * time) and the start-up deadline.
 */
export abstract class BaseTransport implements Transport {
  abstract readonly name: string;
  protected readonly logger: Logger;
  /** The channels this node follows, kept across outages so they are followed again on reconnect. */
  protected readonly followed = new Set<string>();
  protected stopped = false;
  /** The last error reported, shown by `health()` until the bus recovers. */
  protected lastError?: string;
  private readonly broadcastHandlers: Array<(message: Broadcast) => void> = [];
  private readonly controlHandlers: Array<(message: ControlMessage) => void> = [];
  private readonly eventHandlers: Array<(event: TransportEvent) => void> = [];

  protected constructor(loggerContext: string) {
    this.logger = new Logger(loggerContext);
  }

  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;
  abstract health(): TransportHealth;
  abstract publish(message: Broadcast): Promise<void>;
  abstract publishControl(message: ControlMessage): Promise<void>;
  abstract follow(channel: string): Promise<void>;
  abstract unfollow(channel: string): Promise<void>;

  /** Backends without a cheaper live check than `health()` need not override it. */
  async ping(): Promise<void> {
    if (!this.health().ready) throw new TransportUnavailableError(`${this.name} is not ready: ${this.health().detail}`);
  }

  onBroadcast(handler: (message: Broadcast) => void): void {
    this.broadcastHandlers.push(handler);
  }

  onControl(handler: (message: ControlMessage) => void): void {
    this.controlHandlers.push(handler);
  }

  onEvent(handler: (event: TransportEvent) => void): void {
    this.eventHandlers.push(handler);
  }

  protected emitBroadcast(message: Broadcast): void {
    for (const handler of this.broadcastHandlers) handler(message);
  }

  protected emitControl(message: ControlMessage): void {
    for (const handler of this.controlHandlers) handler(message);
  }

  protected emitEvent(event: TransportEvent): void {
    for (const handler of this.eventHandlers) handler(event);
  }

  /** Counts an error, and logs it unless it is the one already logged (outages repeat the same error for every retry). */
  protected noteError(role: string, error: unknown): void {
    this.emitEvent('error');
    const text = `${role}: ${error instanceof Error ? error.message : String(error)}`;
    if (text !== this.lastError) this.logger.warn(`${this.name} ${text}`);
    this.lastError = text;
  }

  protected errorSuffix(): string {
    return this.lastError ? ` (${this.lastError})` : '';
  }

  /** Throws the error every publishing method throws once `stop()` was called. */
  protected assertRunning(): void {
    if (this.stopped) throw new TransportUnavailableError(`${this.name} transport is stopped`);
  }

  /**
   * Waits until `health()` reports ready or `timeoutMs` pass. A node whose bus is down at
   * start-up still starts (not ready, retrying), so this never throws: it says so instead.
   */
  protected async awaitReady(timeoutMs: number, target: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.stopped && !this.health().ready && Date.now() < deadline) await sleep(50);
    if (!this.stopped && !this.health().ready) this.logger.error(`not connected to ${target} yet; node stays not-ready and keeps retrying`);
  }
}
