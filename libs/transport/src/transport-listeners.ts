import type { Broadcast, ControlMessage, TransportEvent } from './transport.js';

/**
 * The listener side every transport shares: handlers registered once at start-up,
 * called for each message the bus delivers. Transports extend it and only decide when
 * to call `emit*`.
 */
export abstract class TransportListeners {
  private readonly broadcastHandlers: Array<(message: Broadcast) => void> = [];
  private readonly controlHandlers: Array<(message: ControlMessage) => void> = [];
  private readonly eventHandlers: Array<(event: TransportEvent) => void> = [];

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
}
