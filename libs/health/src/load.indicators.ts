import { Injectable } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { InjectConfig, type SwitchboardConfig } from '#libs/config';
import { EventLoopMonitor } from './event-loop-monitor.js';
import { NodeLoad } from './node-load.js';

/** The node's own load, from nothing external: event-loop delay (liveness) and the connection cap (readiness). */
@Injectable()
export class LoadIndicators {
  private readonly lagLimitMs: number;

  constructor(
    @InjectConfig() config: SwitchboardConfig,
    private readonly indicators: HealthIndicatorService,
    private readonly monitor: EventLoopMonitor,
    private readonly load: NodeLoad,
  ) {
    this.lagLimitMs = config.health.eventLoopLagLimitMs;
  }

  /** Down while the loop stalled longer than EVENT_LOOP_LAG_LIMIT_MS within the last second. */
  eventLoop(key = 'eventLoop'): HealthIndicatorResult {
    const session = this.indicators.check(key);
    const { p99Ms, maxMs } = this.monitor.lag;
    const data = { p99Ms, maxMs, limitMs: this.lagLimitMs };
    return maxMs > this.lagLimitMs ? session.down(data) : session.up(data);
  }

  /** Down at MAX_CONNECTIONS: the balancer should send new clients elsewhere. */
  capacity(key = 'connections'): HealthIndicatorResult {
    const session = this.indicators.check(key);
    const data = { open: this.load.connections, max: this.load.maxConnections === 0 ? 'unlimited' : this.load.maxConnections };
    return this.load.atCapacity ? session.down(data) : session.up(data);
  }
}
