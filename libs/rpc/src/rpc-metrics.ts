import { Counter, Gauge, Histogram } from 'prom-client';
import { METRICS_PREFIX, type MetricsService } from '#libs/metrics';

/**
 * RPC metrics, on the node's registry (GET /metrics). Labels are bounded: the backend,
 * the method class (at most 32 per node, then `other`), an outcome or reason from a
 * fixed list; never a method name, a user or a correlation id.
 */
export class RpcMetrics {
  readonly requests: Counter<'backend' | 'method_class' | 'outcome'>;
  readonly duration: Histogram<'backend' | 'method_class'>;
  readonly lateReplies: Counter<'backend' | 'reason'>;
  readonly redeliveries: Counter<'backend'>;
  readonly invalidReplies: Counter<'backend'>;
  readonly pending: Gauge<'backend'>;
  readonly ready: Gauge<'backend'>;
  readonly events: Counter<'backend' | 'event' | 'outcome'>;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.requests = new Counter({
      name: `${METRICS_PREFIX}rpc_requests_total`,
      help: 'Client rpc requests, by backend, method class and outcome (ok; error: the worker answered an error, or its reply was invalid or too large; timeout; unavailable; too_many_in_flight; payload_too_large; cancelled: the client left first).',
      labelNames: ['backend', 'method_class', 'outcome'],
      registers,
    });
    this.duration = new Histogram({
      name: `${METRICS_PREFIX}rpc_duration_seconds`,
      help: 'Seconds from a client rpc request reaching the node to its worker reply (ok or error), by backend and method class.',
      labelNames: ['backend', 'method_class'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.lateReplies = new Counter({
      name: `${METRICS_PREFIX}rpc_late_replies_total`,
      help: 'Worker replies dropped because their request was already settled, by reason (after_timeout, duplicate: a second reply, e.g. after a redelivery; cancelled: the client had left; unknown: not a request of this node, e.g. from before a restart).',
      labelNames: ['backend', 'reason'],
      registers,
    });
    this.redeliveries = new Counter({
      name: `${METRICS_PREFIX}rpc_redeliveries_total`,
      help: 'Worker replies to requests the worker got as a redelivery (another worker had taken them and not acknowledged or committed them).',
      labelNames: ['backend'],
      registers,
    });
    this.invalidReplies = new Counter({
      name: `${METRICS_PREFIX}rpc_invalid_replies_total`,
      help: 'Messages on the reply path that are not valid reply envelopes.',
      labelNames: ['backend'],
      registers,
    });
    this.pending = new Gauge({
      name: `${METRICS_PREFIX}rpc_pending`,
      help: 'Requests this node is waiting on a reply for (bounded by RPC_MAX_PENDING).',
      labelNames: ['backend'],
      registers,
    });
    this.ready = new Gauge({
      name: `${METRICS_PREFIX}rpc_backend_ready`,
      help: '1 while the RPC backend is connected and can take requests.',
      labelNames: ['backend'],
      registers,
    });
    this.events = new Counter({
      name: `${METRICS_PREFIX}rpc_events_total`,
      help: 'Connection events sent to workers (RPC_EVENTS), by event and outcome (sent, failed).',
      labelNames: ['backend', 'event', 'outcome'],
      registers,
    });
  }
}
