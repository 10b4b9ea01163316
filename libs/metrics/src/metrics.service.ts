import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const METRICS_PREFIX = 'switchboard_';

/**
 * Every metric a node exports, on a registry of its own (so tests can boot several
 * apps in one process). Labels stay bounded: events and close codes, never channel names.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly connections = new Gauge({
    name: `${METRICS_PREFIX}connections`,
    help: 'Open WebSocket connections on this node.',
    registers: [this.registry],
  });

  readonly connectionsAccepted = new Counter({
    name: `${METRICS_PREFIX}connections_accepted_total`,
    help: 'WebSocket connections accepted.',
    registers: [this.registry],
  });

  readonly connectionsClosed = new Counter({
    name: `${METRICS_PREFIX}connections_closed_total`,
    help: 'WebSocket connections closed, by close code.',
    labelNames: ['code'],
    registers: [this.registry],
  });

  readonly messagesReceived = new Counter({
    name: `${METRICS_PREFIX}messages_received_total`,
    help: 'Frames received from clients, by event (invalid frames count under their error code).',
    labelNames: ['event'],
    registers: [this.registry],
  });

  readonly messagesSent = new Counter({
    name: `${METRICS_PREFIX}messages_sent_total`,
    help: 'Frames sent to clients, by event.',
    labelNames: ['event'],
    registers: [this.registry],
  });

  readonly publishes = new Counter({
    name: `${METRICS_PREFIX}publishes_total`,
    help: 'Messages published into the cluster from this node, by source (ws or http) and outcome.',
    labelNames: ['source', 'outcome'],
    registers: [this.registry],
  });

  readonly draining = new Gauge({
    name: `${METRICS_PREFIX}draining`,
    help: '1 while this node drains for shutdown.',
    registers: [this.registry],
  });

  readonly connectionsRejected = new Counter({
    name: `${METRICS_PREFIX}connections_rejected_total`,
    help: 'WebSocket upgrades refused before the handshake, by reason (path, draining, capacity).',
    labelNames: ['reason'],
    registers: [this.registry],
  });

  readonly maxConnections = new Gauge({
    name: `${METRICS_PREFIX}max_connections`,
    help: 'MAX_CONNECTIONS: open connections this node accepts (0: no cap).',
    registers: [this.registry],
  });

  readonly bytesReceived = new Counter({
    name: `${METRICS_PREFIX}received_bytes_total`,
    help: 'WebSocket message payload bytes received from clients.',
    registers: [this.registry],
  });

  readonly bytesSent = new Counter({
    name: `${METRICS_PREFIX}sent_bytes_total`,
    help: 'WebSocket message payload bytes sent to clients.',
    registers: [this.registry],
  });

  /**
   * Origin `ts` to this node writing the frame to its sockets, observed once per
   * broadcast per node (not per subscriber: the fan-out stays one loop of writes).
   * Across nodes it includes their clock difference.
   */
  readonly broadcastLatency = new Histogram({
    name: `${METRICS_PREFIX}broadcast_latency_seconds`,
    help: 'Seconds from a broadcast being accepted on its origin node to its delivery to local subscribers.',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  readonly transportPublished = new Counter({
    name: `${METRICS_PREFIX}transport_published_total`,
    help: 'Messages this node handed to the bus, by type (broadcast, control).',
    labelNames: ['type'],
    registers: [this.registry],
  });

  readonly transportReceived = new Counter({
    name: `${METRICS_PREFIX}transport_received_total`,
    help: 'Broadcasts this node received from the bus (for channels it has subscribers to).',
    registers: [this.registry],
  });

  readonly transportErrors = new Counter({
    name: `${METRICS_PREFIX}transport_errors_total`,
    help: 'Bus errors, by operation (publish: a message the bus refused; connection: an error the transport reported).',
    labelNames: ['operation'],
    registers: [this.registry],
  });

  readonly transportReconnects = new Counter({
    name: `${METRICS_PREFIX}transport_reconnects_total`,
    help: 'Times the bus connection came back after being lost.',
    registers: [this.registry],
  });

  readonly transportReady = new Gauge({
    name: `${METRICS_PREFIX}transport_ready`,
    help: '1 while the bus is connected and subscribed.',
    registers: [this.registry],
  });

  readonly slowConsumerCloses = new Counter({
    name: `${METRICS_PREFIX}slow_consumer_closes_total`,
    help: 'Connections closed because the client did not read fast enough, by reason (buffer: over MAX_BUFFERED_BYTES; write-timeout: no progress for WRITE_TIMEOUT_MS).',
    labelNames: ['reason'],
    registers: [this.registry],
  });

  readonly presenceJoins = new Counter({
    name: `${METRICS_PREFIX}presence_joins_total`,
    help: 'Subscribers recorded in presence on this node, by outcome (announced, or not_announced when the bus refused: the next sync carries it).',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  readonly serverCommands = new Counter({
    name: `${METRICS_PREFIX}server_commands_total`,
    help: 'POST /api/disconnect|subscribe|unsubscribe commands this node sent to the cluster, by action and outcome (complete, or partial when a live node did not answer within 1 s).',
    labelNames: ['action', 'outcome'],
    registers: [this.registry],
  });

  readonly recoveries = new Counter({
    name: `${METRICS_PREFIX}recoveries_total`,
    help: 'Subscribes that asked to recover from a position, by outcome (recovered, or the reason it could not: epoch_changed, too_old, too_many, history_off, error).',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  readonly recoveredMessages = new Counter({
    name: `${METRICS_PREFIX}recovered_messages_total`,
    help: 'Publications replayed from history to recovering subscribers.',
    registers: [this.registry],
  });

  readonly resyncs = new Counter({
    name: `${METRICS_PREFIX}resyncs_total`,
    help: 'Channels with history brought up to date from history after the bus reconnected, by outcome (recovered; closed: the gap could not be filled and the subscribers were closed to recover themselves).',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  readonly recoveryDuration = new Histogram({
    name: `${METRICS_PREFIX}recovery_duration_seconds`,
    help: 'Time from a subscribe with a position to its missed publications being written to the client.',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  private readonly beforeScrapeHooks: Array<() => void> = [];

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: METRICS_PREFIX });
  }

  /** Runs `hook` before every scrape: for gauges read from live state rather than kept up to date. */
  beforeScrape(hook: () => void): void {
    this.beforeScrapeHooks.push(hook);
  }

  /** The exposition text, with every before-scrape hook applied first. */
  async scrape(): Promise<string> {
    for (const hook of this.beforeScrapeHooks) hook();
    return this.registry.metrics();
  }
}
