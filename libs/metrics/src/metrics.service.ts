import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

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

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: METRICS_PREFIX });
  }
}
