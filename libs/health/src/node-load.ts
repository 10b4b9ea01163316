import { Injectable } from '@nestjs/common';
import { InjectConfig, type SwitchboardConfig } from '#libs/config';

/**
 * This node's connection count against MAX_CONNECTIONS, for readiness and the load
 * balancer's agent. The gateway owns the connections and attaches the live count.
 */
@Injectable()
export class NodeLoad {
  /** 0: no cap. */
  readonly maxConnections: number;
  private count: () => number = () => 0;

  constructor(@InjectConfig() config: SwitchboardConfig) {
    this.maxConnections = config.gateway.maxConnections;
  }

  attach(count: () => number): void {
    this.count = count;
  }

  get connections(): number {
    return this.count();
  }

  get atCapacity(): boolean {
    return this.maxConnections > 0 && this.connections >= this.maxConnections;
  }
}
