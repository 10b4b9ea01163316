import { type INestApplication, Injectable, Logger } from '@nestjs/common';
import { ClusterService } from '#libs/cluster';
import { CONFIG, InjectConfig, type SwitchboardConfig } from '#libs/config';
import { NodeLifecycle } from '#libs/health';
import { MetricsService } from '#libs/metrics';
import { ConnectionRegistry } from '../connections/connection-registry.js';
import { CloseCode } from '../protocol/error-codes.js';
import { closeClients } from '../ws/switchboard-ws.adapter.js';

/**
 * The order a rolling restart needs: stop being ready, stop taking upgrades, tell the
 * cluster, close every client with 1012 so it reconnects elsewhere, then shut down.
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
    this.lifecycle.startDraining();
    this.metrics.draining.set(1);
    await this.cluster.leave();
    const sockets = [...this.registry.all()].map((connection) => connection.socket);
    this.logger.log(`draining: closing ${sockets.length} connections with ${CloseCode.SERVICE_RESTART}`);
    await closeClients(sockets, CloseCode.SERVICE_RESTART, 'service restart', Math.max(this.config.shutdown.timeoutMs - 1000, 500));
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
