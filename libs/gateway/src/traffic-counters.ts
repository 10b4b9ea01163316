import { Injectable } from '@nestjs/common';

/**
 * Plain counters on the hot path (a Prometheus counter per delivery would cost a label
 * lookup each); the cluster heartbeat turns them into messages/s.
 */
@Injectable()
export class TrafficCounters {
  /** Messages published from this node's clients and HTTP API. */
  in = 0;
  /** Broadcast frames written to this node's sockets. */
  out = 0;
}
