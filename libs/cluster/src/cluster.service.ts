import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { hostname } from 'node:os';
import { InjectConfig, type SwitchboardConfig } from '#libs/config';
import { NodeLifecycle } from '#libs/health';
import { type ControlMessage, InjectTransport, type NodeHeartbeat, type Transport } from '#libs/transport';
import { type ChannelSummary, type ClusterNode, toClusterNode } from './cluster-node.js';
import type { LocalNodeSource } from './local-node.js';

/** A peer is gone once this many heartbeat periods pass without a beat from it. */
export const MISSED_BEATS_BEFORE_GONE = 3;

const NO_TRAFFIC: LocalNodeSource = { connections: () => 0, channelCounts: () => ({}), messageTotals: () => ({ in: 0, out: 0 }) };

/**
 * Every node's view of the cluster: it beats its own state onto the bus every
 * NODE_HEARTBEAT_MS and keeps the latest beat of every peer it has heard within
 * the last three periods.
 */
@Injectable()
export class ClusterService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ClusterService.name);
  private readonly peers = new Map<string, { beat: NodeHeartbeat; lastSeen: number }>();
  private readonly startedAt = Date.now();
  private source: LocalNodeSource = NO_TRAFFIC;
  private timer?: NodeJS.Timeout;
  private lastTotals = { in: 0, out: 0, at: Date.now() };
  private rates = { in: 0, out: 0 };

  constructor(
    @InjectConfig() private readonly config: SwitchboardConfig,
    @InjectTransport() private readonly transport: Transport,
    private readonly lifecycle: NodeLifecycle,
  ) {
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

  /** Tells the peers to drop this node now rather than after three missed beats. */
  async leave(): Promise<void> {
    clearInterval(this.timer);
    await this.transport.publishControl({ type: 'leave', nodeId: this.config.nodeId, sentAt: Date.now() }).catch(() => undefined);
  }

  nodes(): ClusterNode[] {
    this.prune();
    const self = toClusterNode(this.localHeartbeat(), Date.now(), true);
    const peers = [...this.peers.values()].map(({ beat, lastSeen }) => toClusterNode(beat, lastSeen, false));
    return [self, ...peers].sort((a, b) => a.id.localeCompare(b.id));
  }

  channels(): ChannelSummary[] {
    this.prune();
    const totals = new Map<string, ChannelSummary>();
    const beats = [this.localHeartbeat(), ...[...this.peers.values()].map((peer) => peer.beat)];
    for (const beat of beats) {
      for (const [channel, subscribers] of Object.entries(beat.channels)) {
        const summary = totals.get(channel) ?? { channel, subscribers: 0, nodes: 0 };
        summary.subscribers += subscribers;
        summary.nodes += 1;
        totals.set(channel, summary);
      }
    }
    return [...totals.values()].sort((a, b) => b.subscribers - a.subscribers || a.channel.localeCompare(b.channel));
  }

  private localHeartbeat(): NodeHeartbeat {
    return {
      id: this.config.nodeId,
      address: `${hostname()}:${this.config.port}`,
      version: this.config.version,
      startedAt: this.startedAt,
      connections: this.source.connections(),
      channels: this.source.channelCounts(),
      messagesInPerSec: this.rates.in,
      messagesOutPerSec: this.rates.out,
      ready: this.transport.health().ready && !this.lifecycle.draining,
      draining: this.lifecycle.draining,
      transport: this.transport.name,
    };
  }

  private beat(): void {
    this.updateRates();
    const message: ControlMessage = { type: 'heartbeat', node: this.localHeartbeat(), sentAt: Date.now() };
    this.transport.publishControl(message).catch((error: unknown) => {
      this.logger.debug?.(`heartbeat not sent: ${String(error)}`);
    });
    this.prune();
  }

  private updateRates(): void {
    const totals = this.source.messageTotals();
    const now = Date.now();
    const seconds = Math.max((now - this.lastTotals.at) / 1000, 0.001);
    this.rates = {
      in: Math.round(((totals.in - this.lastTotals.in) / seconds) * 10) / 10,
      out: Math.round(((totals.out - this.lastTotals.out) / seconds) * 10) / 10,
    };
    this.lastTotals = { ...totals, at: now };
  }

  private receive(message: ControlMessage): void {
    if (message.type === 'leave') {
      if (this.peers.delete(message.nodeId)) this.logger.log(`node ${message.nodeId} left the cluster`);
      return;
    }
    const { node } = message;
    if (node.id === this.config.nodeId) return;
    if (!this.peers.has(node.id)) this.logger.log(`node ${node.id} joined the cluster`);
    this.peers.set(node.id, { beat: node, lastSeen: Date.now() });
  }

  private prune(): void {
    const deadline = Date.now() - MISSED_BEATS_BEFORE_GONE * this.config.cluster.heartbeatMs;
    for (const [id, peer] of this.peers) {
      if (peer.lastSeen < deadline) {
        this.peers.delete(id);
        this.logger.warn(`node ${id} missed ${MISSED_BEATS_BEFORE_GONE} heartbeats and left the view`);
      }
    }
  }
}
