import { Logger, UseFilters } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  SubscribeMessage,
  WebSocketGateway,
} from '@nestjs/websockets';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { principalOf } from '#libs/auth';
import { InjectConfig, type SwitchboardConfig } from '#libs/config';
import { MetricsService } from '#libs/metrics';
import { RpcService } from '#libs/rpc';
import { Connection } from './connections/connection.js';
import { ConnectionRegistry } from './connections/connection-registry.js';
import { ChannelPolicy } from './history/channel-policy.js';
import { HistorySubscriptions } from './history/history-subscriptions.js';
import { Outbound } from './outbound/outbound.service.js';
import { reviveBinary } from './protocol/binary-payload.js';
import type { FrameOf, Reply } from './protocol/frames.js';
import { ProtocolExceptionFilter } from './protocol/protocol-exception.filter.js';
import { ErrorCode } from './protocol/error-codes.js';
import { GatewayError } from './errors/gateway-error.js';
import { Publisher } from './publisher.service.js';
import { PresenceService } from './presence/presence.service.js';

/** The error code of each way an rpc can fail without the worker's own answer. */
const RPC_REFUSALS = {
  timeout: ErrorCode.RPC_TIMEOUT,
  unavailable: ErrorCode.RPC_UNAVAILABLE,
  too_many_in_flight: ErrorCode.RPC_TOO_MANY_IN_FLIGHT,
  payload_too_large: ErrorCode.RPC_PAYLOAD_TOO_LARGE,
} as const;

/**
 * The client-facing protocol (docs/protocol.md). Frames reach these handlers already
 * parsed and validated by the adapter; the `id` of a request is added to its reply there.
 */
@WebSocketGateway()
@UseFilters(ProtocolExceptionFilter)
export class SwitchboardGateway implements OnGatewayConnection<WebSocket>, OnGatewayDisconnect<WebSocket> {
  private readonly logger = new Logger('Gateway');

  constructor(
    @InjectConfig() private readonly config: SwitchboardConfig,
    private readonly registry: ConnectionRegistry,
    private readonly publisher: Publisher,
    private readonly histories: HistorySubscriptions,
    private readonly policy: ChannelPolicy,
    private readonly outbound: Outbound,
    private readonly metrics: MetricsService,
    private readonly rpc: RpcService,
    private readonly presence: PresenceService,
  ) {}

  handleConnection(socket: WebSocket, request: IncomingMessage): void {
    const principal = principalOf(request);
    // The upgrade request's socket is the one `ws` took over for this connection.
    const writer = this.outbound.writerFor(socket, request.socket as Socket);
    const connection = new Connection(randomUUID(), socket, writer, Connection.remoteAddressOf(request), principal);
    this.registry.add(connection);
    this.metrics.connections.set(this.registry.size);
    this.metrics.connectionsAccepted.inc();
    socket.once('close', (code) => this.metrics.connectionsClosed.inc({ code: String(code) }));
    const welcome = { connectionId: connection.id, node: this.config.nodeId, ...(principal.userId === undefined ? {} : { userId: principal.userId }) };
    writer.send({ event: 'welcome', data: welcome });
    this.rpc.connectionEvent('connect', connection.id, principal.userId);
  }

  handleDisconnect(socket: WebSocket): void {
    const connection = this.registry.remove(socket);
    this.metrics.connections.set(this.registry.size);
    // Its pending rpc requests are dropped (their replies count as late), and workers may hear of it.
    if (connection) this.rpc.connectionClosed(connection.id, connection.principal.userId);
  }

  @SubscribeMessage('echo')
  echo(@MessageBody() frame: FrameOf<'echo'>): Reply {
    return { event: 'echo', data: frame.data };
  }

  @SubscribeMessage('subscribe')
  async subscribe(@MessageBody() frame: FrameOf<'subscribe'>, @ConnectedSocket() socket: WebSocket): Promise<Reply | undefined> {
    const connection = this.registry.get(socket);
    if (!connection) return undefined;
    const { channel, since, presence } = frame.data;
    if (!connection.principal.permissions.canSubscribe(channel)) {
      throw new GatewayError(ErrorCode.FORBIDDEN, `not allowed to subscribe to ${channel}`);
    }
    const max = this.config.limits.maxSubscriptionsPerConnection;
    if (!connection.subscriptions.has(channel) && connection.subscriptions.size >= max) {
      throw new GatewayError(ErrorCode.TOO_MANY_SUBSCRIPTIONS, `at most ${max} subscriptions per connection (MAX_SUBSCRIPTIONS_PER_CONNECTION)`);
    }
    // A repeated subscribe keeps the entry (and its joinedAt); it may still turn join/leave events on.
    const already = connection.subscriptions.has(channel);
    const history = this.policy.historyOf(channel);
    const reply = history ? await this.histories.subscribe(connection, channel, history, since) : await this.subscribeLive(connection, channel, since !== undefined);
    // A history subscribe may have ended meanwhile (the connection unsubscribed or closed).
    if (connection.subscriptions.has(channel)) await this.presence.joined(connection, channel, presence === true, already);
    this.rpc.connectionEvent('subscribe', connection.id, connection.principal.userId, channel);
    return reply;
  }

  /** A channel without history: live from now on. */
  private async subscribeLive(connection: Connection, channel: string, askedToRecover: boolean): Promise<Reply> {
    await this.registry.subscribe(connection, channel);
    if (!askedToRecover) return { event: 'subscribed', data: { channel } };
    // Asked to recover on a channel without history: say so, never claim a recovery.
    this.metrics.recoveries.inc({ outcome: 'history_off' });
    return { event: 'subscribed', data: { channel, recovered: false, reason: 'history_off' } };
  }

  @SubscribeMessage('unsubscribe')
  unsubscribe(@MessageBody() frame: FrameOf<'unsubscribe'>, @ConnectedSocket() socket: WebSocket): Reply | undefined {
    const connection = this.registry.get(socket);
    if (!connection) return undefined;
    this.registry.unsubscribe(connection, frame.data.channel);
    this.rpc.connectionEvent('unsubscribe', connection.id, connection.principal.userId, frame.data.channel);
    return { event: 'unsubscribed', data: { channel: frame.data.channel } };
  }

  /** Who is on a channel with presence, cluster-wide: for connections that may subscribe to it. */
  @SubscribeMessage('presence')
  presenceOf(@MessageBody() frame: FrameOf<'presence'>, @ConnectedSocket() socket: WebSocket): Reply | undefined {
    if (!this.mayWatch(socket, frame.data.channel)) return undefined;
    return { event: 'presence', data: this.presence.report(frame.data.channel) };
  }

  @SubscribeMessage('presence_stats')
  presenceStats(@MessageBody() frame: FrameOf<'presence_stats'>, @ConnectedSocket() socket: WebSocket): Reply | undefined {
    if (!this.mayWatch(socket, frame.data.channel)) return undefined;
    const { connections, users } = this.presence.members(frame.data.channel);
    return { event: 'presence_stats', data: { channel: frame.data.channel, connections, users } };
  }

  /** Presence is for connections that may subscribe to the channel; false: the connection is gone. */
  private mayWatch(socket: WebSocket, channel: string): boolean {
    const connection = this.registry.get(socket);
    if (!connection) return false;
    if (!connection.principal.permissions.canSubscribe(channel)) throw new GatewayError(ErrorCode.FORBIDDEN, `not allowed to see presence on ${channel}`);
    return true;
  }

  /** The ack is sent only to requests with an `id`: fire-and-forget publishers get no extra frame. */
  @SubscribeMessage('publish')
  async publish(@MessageBody() frame: FrameOf<'publish'>, @ConnectedSocket() socket: WebSocket): Promise<Reply | undefined> {
    const connection = this.registry.get(socket);
    if (!connection) return undefined;
    if (!connection.principal.permissions.canPublish(frame.data.channel)) {
      throw new GatewayError(ErrorCode.FORBIDDEN, `not allowed to publish to ${frame.data.channel}`);
    }
    const binary = connection.writer.format.name === 'msgpack';
    const { position } = await this.publisher.publish(frame.data.channel, frame.data.payload, 'ws', { binary });
    if (frame.id === undefined) return undefined;
    return { event: 'published', data: position ? { channel: frame.data.channel, ...position } : { channel: frame.data.channel } };
  }

  /**
   * A request to a back-end worker (docs/protocol.md "RPC"): answered with `rpc_result`
   * (the worker's result) or one error frame, in its place in the reply order.
   */
  @SubscribeMessage('rpc')
  async rpcRequest(@MessageBody() frame: FrameOf<'rpc'>, @ConnectedSocket() socket: WebSocket): Promise<Reply | undefined> {
    const connection = this.registry.get(socket);
    if (!connection) return undefined;
    const { method, payload } = frame.data;
    if (!connection.principal.methods.canCall(method)) throw new GatewayError(ErrorCode.FORBIDDEN, `not allowed to call ${method}`);
    const outcome = await this.rpc.call({ method, payload: payload ?? null, connectionId: connection.id, userId: connection.principal.userId });
    switch (outcome.kind) {
      case 'result':
        return { event: 'rpc_result', data: connection.writer.format.name === 'msgpack' ? reviveBinary(outcome.result) : outcome.result };
      case 'error':
        return { event: 'error', data: { code: ErrorCode.RPC_ERROR, message: outcome.error.message, error: outcome.error } };
      case 'cancelled':
        return undefined;
      default:
        throw new GatewayError(RPC_REFUSALS[outcome.kind], outcome.message);
    }
  }
}
