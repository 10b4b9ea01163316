/**
 * Notices a dead connection without waiting for TCP, which can take minutes (or, on a
 * silently dropped path, forever). Browsers cannot send WebSocket pings, so the probe is
 * an application-level `echo` request: after `intervalMs` without any frame from the
 * server, send one; if nothing at all arrives within `timeoutMs`, the connection is dead.
 * A busy connection is never probed: every frame from the server proves it alive.
 */
export class Keepalive {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastFrameAt = 0;
  private probeSentAt: number | undefined;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly probe: () => void;
  private readonly dead: () => void;
  private readonly now: () => number;

  /** `intervalMs` 0: off. */
  constructor(intervalMs: number, timeoutMs: number, probe: () => void, dead: () => void, now: () => number = Date.now) {
    this.intervalMs = intervalMs;
    this.timeoutMs = timeoutMs;
    this.probe = probe;
    this.dead = dead;
    this.now = now;
  }

  start(): void {
    if (this.intervalMs <= 0) return;
    this.stop();
    this.lastFrameAt = this.now();
    this.schedule(this.intervalMs);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.probeSentAt = undefined;
  }

  /** Any frame from the server. */
  alive(): void {
    this.lastFrameAt = this.now();
    this.probeSentAt = undefined;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => this.check(), ms);
  }

  private check(): void {
    if (this.probeSentAt !== undefined) {
      this.stop();
      this.dead();
      return;
    }
    const idle = this.now() - this.lastFrameAt;
    if (idle < this.intervalMs) {
      this.schedule(this.intervalMs - idle);
      return;
    }
    this.probeSentAt = this.now();
    this.probe();
    this.schedule(this.timeoutMs);
  }
}
