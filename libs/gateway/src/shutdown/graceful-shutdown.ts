import { type INestApplication, Injectable, Logger } from '@nestjs/common';
import { ClusterService } from '#libs/cluster';
import { CONFIG, InjectConfig, type SwitchboardConfig } from '#libs/config';
import { NodeLifecycle } from '#libs/health';
import { MetricsService } from '#libs/metrics';
import { ConnectionRegistry } from '../connections/connection-registry.js';
import { CloseCode } from '../protocol/error-codes.js';
import { closePaced } from './paced-close.js';

/** Kept out of the close phase for app.close() (HTTP server, transport) within SHUTDOWN_TIMEOUT_MS. */
const CLOSE_APP_RESERVE_MS = 1000;
/** The least the close phase gets, however little of the timeout the delay left. */
const MIN_CLOSE_BUDGET_MS = 500;
/** Kept after the last batch for its close handshakes. */
const LAST_BATCH_GRACE_MS = 1000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The order a rolling restart needs: stop being ready and refuse upgrades at once, give
 * the load balancers DRAIN_DELAY_MS to notice (HAProxy's agent reads `drain`, its HTTP
 * check and Kubernetes read the 503), then close the clients with 1012 in paced batches
 * so they reconnect elsewhere without a stampede, tell the cluster, and shut down.
 */
@Injectable()
export class GracefulShutdown {
  private readonly logger = new Logger(GracefulShutdown.name);

  constructor(
    @InjectConfig() private readonly config: SwitchboardConfig,
    private readonly lifecycle: NodeLifecycle,
    private readonly registry: ConnectionRegistry,
    private readonly cluster: ClusterService,
    private readonly metrics: MetricsService,
  ) {}

  async drain(): Promise<void> {
    const started = Date.now();
    const { timeoutMs, drainDelayMs, drainBatch, drainIntervalMs } = this.config.shutdown;
    this.lifecycle.startDraining();
    this.metrics.draining.set(1);
    if (drainDelayMs > 0) {
      this.logger.log(`draining: not ready, refusing upgrades; closing clients in ${drainDelayMs} ms`);
      await sleep(drainDelayMs);
    }
    const sockets = [...this.registry.all()].map((connection) => connection.socket);
    const budgetMs = Math.max(timeoutMs - (Date.now() - started) - CLOSE_APP_RESERVE_MS, MIN_CLOSE_BUDGET_MS);
    let batches = 0;
    await closePaced(sockets, {
      code: CloseCode.SERVICE_RESTART,
      reason: 'service restart',
      batch: drainBatch,
      intervalMs: drainIntervalMs,
      budgetMs,
      graceMs: Math.min(LAST_BATCH_GRACE_MS, budgetMs / 2),
      onBatch: (index, size) => {
        batches = index + 1;
        if (index === 0) this.logger.log(`draining: closing ${sockets.length} connections with ${CloseCode.SERVICE_RESTART}, ${size} every ${drainIntervalMs} ms`);
      },
    });
    this.logger.log(`draining: ${sockets.length} connections closed in ${batches} batches, ${Date.now() - started} ms after the signal`);
    // Peers showed this node as draining until now; they drop it at once instead of after three missed beats.
    await this.cluster.leave();
  }
}

/**
 * Replaces Nest's own signal handling, which re-raises the signal after closing and
 * so exits with 143 instead of 0. A node that cannot finish within
 * SHUTDOWN_TIMEOUT_MS exits 1 rather than hang a deploy.
 */
export function enableGracefulShutdown(app: INestApplication, exit: (code: number) => void = process.exit): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const logger = new Logger('Shutdown');
    const config = app.get<SwitchboardConfig>(CONFIG);
    logger.log(`${signal} received: draining`);
    const deadline = setTimeout(() => {
      logger.error(`shutdown did not finish within ${config.shutdown.timeoutMs} ms; exiting`);
      exit(1);
    }, config.shutdown.timeoutMs);
    deadline.unref();
    try {
      await app.get(GracefulShutdown).drain();
      await app.close();
      exit(0);
    } catch (error) {
      logger.error(`shutdown failed: ${String(error)}`);
      exit(1);
    }
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
