import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { InjectConfig, type SwitchboardConfig } from '#libs/config';
import { MetricsService } from '#libs/metrics';
import { formatOf } from '../protocol/wire-format.js';
import { ConnectionWriter, type WriterContext } from './connection-writer.js';
import { FrameWriter } from './frame-writer.js';
import { SlowConsumerGuard } from './slow-consumer-guard.js';

/**
 * Makes each connection's {@link ConnectionWriter} and holds what they share: the
 * per-tick socket corking and the slow-consumer bound, whose sweep covers every open
 * writer.
 */
@Injectable()
export class Outbound implements OnModuleDestroy {
  private readonly logger = new Logger('Outbound');
  private readonly writers = new Set<ConnectionWriter>();
  private readonly context: WriterContext;

  constructor(
    @InjectConfig() config: SwitchboardConfig,
    private readonly metrics: MetricsService,
  ) {
    const slowConsumers = new SlowConsumerGuard(
      config.limits.maxBufferedBytes,
      config.limits.writeTimeoutMs,
      () => [...this.writers].map((writer) => writer.socket),
      (socket, reason) => this.onSlowConsumer(socket, reason),
    );
    this.context = { frames: new FrameWriter(), slowConsumers, metrics };
  }

  /** The writer of a socket that just opened; the format follows the subprotocol its handshake agreed on. */
  writerFor(socket: WebSocket, stream: Socket): ConnectionWriter {
    const writer = new ConnectionWriter(socket, stream, formatOf(socket.protocol), this.context);
    this.writers.add(writer);
    socket.once('close', () => this.writers.delete(writer));
    return writer;
  }

  onModuleDestroy(): void {
    this.context.slowConsumers.stop();
  }

  private onSlowConsumer(socket: WebSocket, reason: 'buffer' | 'write-timeout'): void {
    this.logger.warn(`closing a slow consumer (${reason}, ${socket.bufferedAmount} bytes buffered)`);
    this.metrics.slowConsumerCloses.inc({ reason });
  }
}
