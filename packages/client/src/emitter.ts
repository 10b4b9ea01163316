/** Event name → listener arguments. */
export type EventMap = Record<string, unknown[]>;
export type Listener<A extends unknown[]> = (...args: A) => void;

/**
 * A minimal typed event emitter. A listener that throws does not break the emitter's
 * owner mid-update: the error is rethrown on a microtask, where it surfaces as any
 * uncaught error of the application would.
 */
export class Emitter<Events extends EventMap> {
  private readonly listeners: { [E in keyof Events]?: Array<Listener<Events[E]>> } = {};

  /** Adds a listener; returns a function that removes it. */
  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): () => void {
    (this.listeners[event] ??= []).push(listener);
    return () => this.off(event, listener);
  }

  off<E extends keyof Events>(event: E, listener: Listener<Events[E]>): void {
    const list = this.listeners[event];
    if (list) this.listeners[event] = list.filter((candidate) => candidate !== listener);
  }

  protected emit<E extends keyof Events>(event: E, ...args: Events[E]): void {
    for (const listener of this.listeners[event] ?? []) {
      try {
        listener(...args);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}
