import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { hostname } from 'node:os';
import { InjectConfig, type SwitchboardConfig } from '#libs/config';
import { NodeLifecycle } from '#libs/health';
import { MetricsService } from '#libs/metrics';
import { type ChannelStats, type ControlMessage, InjectTransport, type NodeHeartbeat, type Transport } from '#libs/transport';
import { type ChannelSummary, type ClusterNode, type ClusterOverview, toClusterNode } from './cluster-node.js';
import type { LocalNodeSource } from './local-node.js';
import { RateMeter } from './rate-meter.js';

/** A peer is gone once this many heartbeat periods pass without a beat from it. */
export const MISSED_BEATS_BEFORE_GONE = 3;
/** How long a departed node stays listed as `gone`, so operators see it leave. */
export const GONE_RETENTION_MS = 5 * 60_000;

const NO_TRAFFIC: LocalNodeSource = { connections: () => 0, channels: () => new Map(), messageTotals: () => ({ in: 0, out: 0 }) };

interface Peer {
  beat: NodeHeartbeat;
  lastSeen: number;
}

/**
 * Every node's view of the cluster: it beats its own state onto the bus every
 * NODE_HEARTBEAT_MS and keeps the latest beat of every peer heard within the last
 * three periods. Peers that leave are kept a while as `gone`.
 */
@Injectable()
export class ClusterService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ClusterService.name);
  private readonly peers = new Map<string, Peer>();
  private readonly departed = new Map<string, Peer>();
  private readonly startedAt = Date.now();
  private readonly address: string;
  private source: LocalNodeSource = NO_TRAFFIC;
  private timer?: NodeJS.Timeout;
  private readonly totalsMeter = new RateMeter();
  private readonly channelMeter = new RateMeter();
  private rates = { in: 0, out: 0, rpc: 0, rpcTimeouts: 0 };
  /** Broadcasts/s per channel over the last heartbeat period. */
  private channelRates = new Map<string, number>();

  constructor(
    @InjectConfig() private readonly config: SwitchboardConfig,
    @InjectTransport() private readonly transport: Transport,
    private readonly lifecycle: NodeLifecycle,
    private readonly metrics: MetricsService,
  ) {
    this.address = `${hostname()}:${config.port}`;
    transport.onControl((message) => this.receive(message));
  }

  /** The gateway reports its traffic through this; until then the node shows as idle. */
  attach(source: LocalNodeSource): void {
    this.source = source;
  }

  onApplicationBootstrap(): void {
    this.beat();
    this.timer = setInterval(() => this.beat(), this.config.cluster.heartbeatMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Tells the peers to mark this node gone now rather than after three missed beats. */
  async leave(): Promise<void> {
    clearInterval(this.timer);
    await this.transport.publishControl({ type: 'leave', nodeId: this.config.nodeId, sentAt: Date.now() }).catch(() => undefined);
  }

  nodes(): ClusterNode[] {
    this.prune();
    const now = Date.now();
    const live = [toClusterNode(this.localHeartbeat(), now, true), ...[...this.peers.values()].map((p) => toClusterNode(p.beat, p.lastSeen, false))];
    const gone = [...this.departed.values()].map((p) => toClusterNode(p.beat, p.lastSeen, false, true));
    return [...live.sort(byId), ...gone.sort(byId)];
  }

  /** The ids of the peers heard within the last three heartbeat periods (this node excluded). */
  livePeerIds(): string[] {
    this.prune();
    return [...this.peers.keys()];
  }

  channels(): ChannelSummary[] {
    this.prune();
    const totals = new Map<string, ChannelSummary>();
    for (const beat of this.liveBeats()) {
      for (const [channel, stats] of Object.entries(beat.channels)) {
        const summary = totals.get(channel) ?? { channel, subscribers: 0, nodes: 0, messagesPerSec: 0 };
        summary.subscribers += stats.subscribers;
        summary.nodes += 1;
        summary.messagesPerSec = Math.max(summary.messagesPerSec, stats.messagesPerSec);
        totals.set(channel, summary);
      }
    }
    return [...totals.values()].sort((a, b) => b.subscribers - a.subscribers || a.channel.localeCompare(b.channel));
  }

  overview(): ClusterOverview {
    this.prune();
    const beats = this.liveBeats();
    const health = this.transport.health();
    const sum = (pick: (beat: NodeHeartbeat) => number) => Math.round(beats.reduce((total, beat) => total + pick(beat), 0) * 10) / 10;
    return {
      node: this.config.nodeId,
      transport: { kind: this.transport.name, ready: health.ready, detail: health.detail },
      nodes: { up: beats.length, gone: this.departed.size },
      connections: sum((beat) => beat.connections),
      messagesInPerSec: sum((beat) => beat.messagesInPerSec),
      messagesOutPerSec: sum((beat) => beat.messagesOutPerSec),
      adminProtected: this.config.admin.token !== undefined,
    };
  }

  private liveBeats(): NodeHeartbeat[] {
    return [this.localHeartbeat(), ...[...this.peers.values()].map((peer) => peer.beat)];
  }

  private localHeartbeat(): NodeHeartbeat {
    return {
      id: this.config.nodeId,
      address: this.address,
      version: this.config.version,
      startedAt: this.startedAt,
      connections: this.source.connections(),
      channels: this.currentChannelStats(),
      messagesInPerSec: this.rates.in,
      messagesOutPerSec: this.rates.out,
      rpcPerSec: this.rates.rpc,
      rpcTimeoutsPerSec: this.rates.rpcTimeouts,
      ready: this.transport.health().ready && !this.lifecycle.draining,
      draining: this.lifecycle.draining,
      transport: this.transport.name,
    };
  }

  /** Subscriber counts are live; rates are those of the last heartbeat period. */
  private currentChannelStats(): Record<string, ChannelStats> {
    const stats: Record<string, ChannelStats> = {};
    for (const [channel, { subscribers }] of this.source.channels()) {
      stats[channel] = { subscribers, messagesPerSec: this.channelRates.get(channel) ?? 0 };
    }
    return stats;
  }

  private beat(): void {
    this.sampleRates();
    const message: ControlMessage = { type: 'heartbeat', node: this.localHeartbeat(), sentAt: Date.now() };
    this.transport.publishControl(message).then(
      () => this.metrics.transportPublished.inc({ type: 'control' }),
      (error: unknown) => {
        this.metrics.transportErrors.inc({ operation: 'publish' });
        this.logger.debug?.(`heartbeat not sent: ${String(error)}`);
      },
    );
    this.prune();
  }

  private sampleRates(): void {
    const totals = this.source.messageTotals();
    const rpc = this.source.rpcTotals?.() ?? { requests: 0, timeouts: 0 };
    const rates = this.totalsMeter.sample([
      ['in', totals.in],
      ['out', totals.out],
      ['rpc', rpc.requests],
      ['rpcTimeouts', rpc.timeouts],
    ]);
    this.rates = { in: rates.get('in') ?? 0, out: rates.get('out') ?? 0, rpc: rates.get('rpc') ?? 0, rpcTimeouts: rates.get('rpcTimeouts') ?? 0 };
    this.channelRates = this.channelMeter.sample([...this.source.channels()].map(([channel, { messages }]) => [channel, messages]));
  }

  private receive(message: ControlMessage): void {
    if (message.type === 'leave') {
      this.depart(message.nodeId, 'left the cluster');
      return;
    }
    if (message.type !== 'heartbeat') return;
    const { node } = message;
    if (node.id === this.config.nodeId) return;
    if (!this.peers.has(node.id)) this.logger.log(`node ${node.id} joined the cluster`);
    this.departed.delete(node.id);
    this.peers.set(node.id, { beat: node, lastSeen: Date.now() });
  }

  private depart(id: string, why: string): void {
    const peer = this.peers.get(id);
    if (!peer) return;
    this.peers.delete(id);
    this.departed.set(id, peer);
    this.logger.warn(`node ${id} ${why}`);
  }

  private prune(): void {
    const now = Date.now();
    const deadline = now - MISSED_BEATS_BEFORE_GONE * this.config.cluster.heartbeatMs;
    for (const [id, peer] of this.peers) {
      if (peer.lastSeen < deadline) this.depart(id, `missed ${MISSED_BEATS_BEFORE_GONE} heartbeats and left the view`);
    }
    for (const [id, peer] of this.departed) {
      if (peer.lastSeen < now - GONE_RETENTION_MS) this.departed.delete(id);
    }
  }
}

const byId = (a: ClusterNode, b: ClusterNode) => a.id.localeCompare(b.id);
