import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { WebSocket } from 'ws';
import { InjectConfig, type SwitchboardConfig } from '#libs/config';
import { MetricsService } from '#libs/metrics';
import { type Broadcast, type ChannelHistory, InjectHistory, InjectTransport, type Transport } from '#libs/transport';
import type { Connection } from './connections/connection.js';
import { ConnectionRegistry, type LocalChannel } from './connections/connection-registry.js';
import { admitWhileCatchingUp, handOff } from './history/live-handoff.js';
import { withPosition } from './history/message-position.js';
import { type Recovery, recoverFrom } from './history/recovery.js';
import { EncodedBroadcast } from './outbound/encoded-broadcast.js';
import { CloseCode } from './protocol/error-codes.js';
import { TrafficCounters } from './traffic-counters.js';

/**
 * Live messages kept for one recovering subscriber, at most: a recovery takes
 * milliseconds, so a buffer this full means the channel outruns the history read.
 */
const MAX_RECOVERY_BUFFER = 10_000;

/** Deliveries written by one call, counted once at its end (never a metric update per subscriber). */
interface Tally {
  sent: number;
  bytes: number;
}

/** A broadcast's client frame: with its position on channels with history. */
const encode = (message: Broadcast, withHistory: boolean) =>
  new EncodedBroadcast(withHistory && message.position ? withPosition(message.frame, message.position) : message.frame);

/**
 * Delivers broadcasts from the bus to this node's subscribers. This is the hot path:
 * the message arrives serialized, becomes one WebSocket frame per wire format in use,
 * and that same buffer goes to every subscriber's writer (corked per tick), with no Nest
 * machinery, parsing, framing or allocation per subscriber.
 */
@Injectable()
export class FanoutService implements OnModuleInit {
  private readonly logger = new Logger('Fanout');
  /** Subscribers that finished their own recovery during a channel resync, waiting for it. */
  private readonly deferred: Array<() => void> = [];
  /** A resync replays at most this much; past it the subscribers are closed to recover themselves. */
  private readonly maxResync: number;

  constructor(
    @InjectTransport() private readonly transport: Transport,
    @InjectHistory() private readonly history: ChannelHistory | null,
    private readonly registry: ConnectionRegistry,
    private readonly metrics: MetricsService,
    private readonly traffic: TrafficCounters,
    @InjectConfig() config: SwitchboardConfig,
  ) {
    this.maxResync = config.history.recoveryMaxMessages;
  }

  onModuleInit(): void {
    this.transport.onBroadcast((message) => this.deliver(message));
    // What the bus dropped while it was away (Redis pub/sub keeps nothing) is in history.
    this.transport.onEvent((event) => {
      if (event === 'reconnect') this.resyncAll();
    });
  }

  deliver(message: Broadcast): void {
    this.metrics.transportReceived.inc();
    const local = this.registry.channel(message.channel);
    if (!local) return;
    local.messages++;
    // Channels with history: after a resync, what live subscribers already have is dropped
    // for them; during one, their messages wait (pending subscribers keep their own order).
    let toLive = true;
    if (local.history && message.position) {
      if (local.cursor !== undefined && message.position.offset <= local.cursor) toLive = false;
      else local.cursor = undefined;
      if (toLive) local.lastPosition = message.position;
    }
    if (local.resync) {
      if (toLive) local.resync.buffer.push(message);
      toLive = false;
    }
    const encoded = encode(message, local.history !== undefined);
    const tally: Tally = { sent: 0, bytes: 0 };
    if (toLive) this.writeAll(local.subscribers, encoded, tally);
    if (local.pending.size > 0) this.deliverPending(local, message, encoded, tally);
    this.count(tally);
    this.metrics.broadcastLatency.observe(Math.max(Date.now() - message.ts, 0) / 1000);
  }

  /**
   * Puts a recovering subscriber on the live stream: first the publications it missed,
   * then the live ones that arrived during the history read and are newer than those,
   * each exactly once, in offset order. Called right after its `subscribed` reply was
   * written, so the reply comes first. A subscription that ended meanwhile gets nothing.
   */
  goLive(connection: Connection, channel: string, recovery: Recovery): void {
    const local = this.registry.channel(channel);
    const pending = local?.pending.get(connection);
    if (!local || pending?.state !== 'recovering') return;
    // The live subscribers are being resynchronised: join them once that is done.
    if (local.resync) {
      this.deferred.push(() => this.goLive(connection, channel, recovery));
      return;
    }
    const { messages, next } = handOff(pending, recovery);
    const tally: Tally = { sent: 0, bytes: 0 };
    for (const message of messages) this.writeAll([connection], encode(message, true), tally);
    this.metrics.recoveredMessages.inc(recovery.publications.length);
    if (next === 'live') {
      local.pending.delete(connection);
      local.subscribers.add(connection);
    } else {
      local.pending.set(connection, next);
    }
    this.count(tally);
  }

  /**
   * After the bus reconnected, every channel with history gets what its live subscribers
   * missed meanwhile, from history, in order, before anything newer. A gap that history
   * cannot fill is never left silent: those subscribers are closed (1011), and their
   * clients resubscribe with their own positions and are told whether they recovered.
   */
  private resyncAll(): void {
    if (!this.history) return;
    for (const [channel, local] of this.registry.channels()) {
      if (local.history && local.lastPosition && !local.resync && local.subscribers.size > 0) void this.resync(channel, local);
    }
  }

  private async resync(channel: string, local: LocalChannel): Promise<void> {
    const since = local.lastPosition!;
    local.resync = { buffer: [] };
    let recovery: Recovery | undefined;
    try {
      recovery = await recoverFrom(this.history!, channel, since, local.history!, this.maxResync);
    } catch (error) {
      this.logger.warn(`could not resynchronise ${channel} after the bus reconnected: ${String(error)}`);
    }
    const buffer = local.resync.buffer;
    local.resync = undefined;
    if (this.registry.channel(channel) === local) {
      if (recovery?.recovered) {
        const { messages, next } = handOff({ state: 'recovering', buffer }, recovery);
        const tally: Tally = { sent: 0, bytes: 0 };
        for (const message of messages) this.writeAll(local.subscribers, encode(message, true), tally);
        this.count(tally);
        local.cursor = next === 'live' ? undefined : next.cursor;
        if (recovery.publications.length > 0) this.logger.warn(`${channel}: ${recovery.publications.length} messages missed while the bus was away, delivered from history`);
      } else {
        const reason = recovery && !recovery.recovered ? recovery.reason : 'history unreadable';
        this.logger.warn(`${channel}: live subscribers missed messages history cannot fill (${reason}); closing them to recover`);
        for (const connection of [...local.subscribers]) {
          if (connection.socket.readyState === WebSocket.OPEN) connection.socket.close(CloseCode.INTERNAL_ERROR, 'missed messages while the bus was away; reconnect and recover');
        }
      }
      this.metrics.resyncs.inc({ outcome: recovery?.recovered ? 'recovered' : 'closed' });
    }
    const deferred = this.deferred.splice(0);
    for (const run of deferred) run();
  }

  /** The hot loop: the same pre-built frame to every connection, nothing else per subscriber. */
  private writeAll(connections: Iterable<Connection>, encoded: EncodedBroadcast, tally: Tally): void {
    for (const connection of connections) {
      const written = connection.writer.broadcast(encoded);
      if (written === 0) continue;
      tally.sent++;
      tally.bytes += written;
    }
  }

  private count(tally: Tally): void {
    this.traffic.out += tally.sent;
    this.metrics.messagesSent.inc({ event: 'message' }, tally.sent);
    if (tally.bytes > 0) this.metrics.bytesSent.inc(tally.bytes);
  }

  /** Subscribers between their history read and the live stream (see `PendingSubscription`). */
  private deliverPending(local: LocalChannel, message: Broadcast, encoded: EncodedBroadcast, tally: Tally): void {
    for (const [connection, pending] of local.pending) {
      if (pending.state === 'recovering') {
        if (pending.buffer.length < MAX_RECOVERY_BUFFER) pending.buffer.push(message);
        else this.abandonRecovery(connection, local);
        continue;
      }
      if (admitWhileCatchingUp(pending, message) === 'drop') continue;
      this.writeAll([connection], encoded, tally);
      local.pending.delete(connection);
      local.subscribers.add(connection);
    }
  }

  /** Never a silent gap: a subscriber whose recovery cannot keep up is closed, and reconnects from its position. */
  private abandonRecovery(connection: Connection, local: LocalChannel): void {
    local.pending.delete(connection);
    this.logger.warn(`closing ${connection.id}: more than ${MAX_RECOVERY_BUFFER} live messages arrived during its recovery`);
    if (connection.socket.readyState === WebSocket.OPEN) connection.socket.close(CloseCode.INTERNAL_ERROR, 'recovery could not keep up; reconnect and recover again');
  }
}
