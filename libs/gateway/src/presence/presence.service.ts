import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { patternMatcher } from '#libs/auth';
import { InjectConfig, type SwitchboardConfig } from '#libs/config';
import { MISSED_BEATS_BEFORE_GONE } from '#libs/cluster';
import { MetricsService } from '#libs/metrics';
import { type ChannelPresence, InjectPresence, type PresenceChange, type PresenceSnapshot } from '#libs/transport';
import type { Connection } from '../connections/connection.js';
import { ConnectionRegistry } from '../connections/connection-registry.js';
import { GatewayError } from '../errors/gateway-error.js';
import { ErrorCode } from '../protocol/error-codes.js';

/** Entries a `presence` reply or GET /api/channels/{channel}/presence lists; the counts cover all of them. */
export const PRESENCE_MAX_LISTED = 1000;

/**
 * Presence on the channels configured for it (PRESENCE_CHANNELS, CHANNELS_CONFIG): records
 * this node's subscribers in the presence capability, re-announces them once per
 * heartbeat, and writes `join`/`leave` events to the local subscribers that asked for them.
 */
@Injectable()
export class PresenceService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(PresenceService.name);
  private timer?: NodeJS.Timeout;

  /** Matchers built once: `enabled` runs on every subscribe and detach. */
  private readonly namespaces: Array<{ matches: (channel: string) => boolean; presence: boolean }>;

  constructor(
    @InjectConfig() private readonly config: SwitchboardConfig,
    @InjectPresence() private readonly presence: ChannelPresence | null,
    private readonly registry: ConnectionRegistry,
    private readonly metrics: MetricsService,
  ) {
    this.namespaces = config.presence.namespaces.map((namespace) => ({ matches: patternMatcher(namespace.pattern), presence: namespace.presence }));
    presence?.configure({ nodeId: config.nodeId, staleAfterMs: MISSED_BEATS_BEFORE_GONE * config.cluster.heartbeatMs });
    presence?.onChange((change) => this.tell(change));
    registry.onDetach((connection, channel) => {
      connection.presenceEvents.delete(channel);
      if (this.enabled(channel)) void this.presence!.leave(channel, connection.id);
    });
  }

  get anyPresence(): boolean {
    return this.config.presence.namespaces.some((namespace) => namespace.presence);
  }

  onApplicationBootstrap(): void {
    if (!this.presence || !this.anyPresence) return;
    this.timer = setInterval(() => void this.presence!.sync(), this.config.cluster.heartbeatMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Whether `channel` has presence: the first matching namespace decides. */
  enabled(channel: string): boolean {
    if (!this.presence) return false;
    return this.namespaces.find((namespace) => namespace.matches(channel))?.presence ?? false;
  }

  /**
   * Records a new subscriber. Resolves once the bus took the announcement (one control
   * publish), so peers see it about when the client gets `subscribed`; an outage is only
   * logged: the next heartbeat's sync carries it.
   */
  async joined(connection: Connection, channel: string, events: boolean, already = false): Promise<void> {
    if (!this.enabled(channel)) return;
    if (events) connection.presenceEvents.add(channel);
    if (already) return;
    const { userId, info } = connection.principal;
    const entry = { connectionId: connection.id, node: this.config.nodeId, joinedAt: Date.now(), ...(userId === undefined ? {} : { userId }), ...(info ? { info } : {}) };
    await this.presence!.join(channel, entry).then(
      () => this.metrics.presenceJoins.inc({ outcome: 'announced' }),
      (error: unknown) => {
        this.metrics.presenceJoins.inc({ outcome: 'not_announced' });
        this.logger.warn(`presence join on ${channel} not announced: ${String(error)}`);
      },
    );
  }

  /** The channel's presence, or PRESENCE_OFF. */
  members(channel: string): PresenceSnapshot & { truncated: boolean } {
    if (!this.enabled(channel)) throw new GatewayError(ErrorCode.PRESENCE_OFF, `${channel} has no presence (PRESENCE_CHANNELS, CHANNELS_CONFIG)`);
    const snapshot = this.presence!.members(channel, PRESENCE_MAX_LISTED);
    return { ...snapshot, truncated: snapshot.connections > snapshot.entries.length };
  }

  /** What `presence` answers, over WebSocket and HTTP alike. */
  report(channel: string): { channel: string; members: PresenceSnapshot['entries']; connections: number; users: number; truncated: boolean } {
    const { entries, connections, users, truncated } = this.members(channel);
    return { channel, members: entries, connections, users, truncated };
  }

  private tell(change: PresenceChange): void {
    const local = this.registry.channel(change.channel);
    if (!local) return;
    const frame = { event: change.type, data: { channel: change.channel, ...change.entry } };
    for (const connection of local.subscribers) if (connection.presenceEvents.has(change.channel)) connection.writer.send(frame);
  }
}
