import { Injectable } from '@nestjs/common';

/**
 * Whether this node is taking new work. Draining starts on SIGTERM and never ends:
 * readiness fails, new upgrades are refused, and the node winds down.
 */
@Injectable()
export class NodeLifecycle {
  private drainingSince?: number;

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  startDraining(): void {
    this.drainingSince ??= Date.now();
  }
}
