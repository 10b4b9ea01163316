import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ClusterService } from '#libs/cluster';
import { MetricsService } from '#libs/metrics';
import { InjectConfig, type SwitchboardConfig } from '#libs/config';
import { type ControlMessage, InjectTransport, type ServerCommand, type Transport } from '#libs/transport';
import type { Connection } from '../connections/connection.js';
import { ConnectionRegistry } from '../connections/connection-registry.js';
import { fromBus } from '../errors/gateway-error.js';
import { PresenceService } from '../presence/presence.service.js';

/** How long the node that took the HTTP request waits for the other nodes' replies. */
export const COMMAND_REPLY_TIMEOUT_MS = 1_000;

/** What a command did across the cluster, as POST /api/disconnect|subscribe|unsubscribe answer it. */
export interface CommandOutcome {
  /** Connections affected on the nodes that answered (this one included). */
  affected: number;
  /** Nodes that answered, this one included. */
  nodes: string[];
  /** Live peers (heard within 3 heartbeats) that did not answer within the timeout: their connections are not counted. */
  unanswered: string[];
}

interface Pending {
  expected: Set<string>;
  outcome: CommandOutcome;
  done: () => void;
}

/**
 * Server-side control of connections, cluster-wide: a command goes out on the control
 * channel, every node (this one included) applies it to the connections it holds and
 * answers with how many it affected; this node sums the answers of the live peers it
 * knows, waiting at most {@link COMMAND_REPLY_TIMEOUT_MS}.
 */
@Injectable()
export class ServerControl {
  private readonly logger = new Logger(ServerControl.name);
  private readonly pending = new Map<string, Pending>();

  constructor(
    @InjectConfig() private readonly config: SwitchboardConfig,
    @InjectTransport() private readonly transport: Transport,
    private readonly registry: ConnectionRegistry,
    private readonly cluster: ClusterService,
    private readonly presence: PresenceService,
    private readonly metrics: MetricsService,
  ) {
    transport.onControl((message) => this.receive(message));
  }

  async run(command: ServerCommand, timeoutMs = COMMAND_REPLY_TIMEOUT_MS): Promise<CommandOutcome> {
    const id = randomUUID();
    const self = this.config.nodeId;
    const expected = new Set([self, ...this.cluster.livePeerIds()]);
    let done!: () => void;
    const settled = new Promise<void>((resolve) => (done = resolve));
    const entry: Pending = { expected, outcome: { affected: 0, nodes: [], unanswered: [] }, done };
    this.pending.set(id, entry);
    const timer = setTimeout(done, timeoutMs);
    try {
      await this.transport.publishControl({ type: 'command', id, from: self, command, sentAt: Date.now() });
      await settled;
    } catch (error) {
      throw fromBus(error);
    } finally {
      clearTimeout(timer);
      this.pending.delete(id);
    }
    entry.outcome.unanswered = [...expected].filter((node) => !entry.outcome.nodes.includes(node)).sort();
    entry.outcome.nodes.sort();
    this.metrics.serverCommands.inc({ action: command.action, outcome: entry.outcome.unanswered.length === 0 ? 'complete' : 'partial' });
    return entry.outcome;
  }

  private receive(message: ControlMessage): void {
    if (message.type === 'command') {
      const affected = this.apply(message.command);
      void this.transport
        .publishControl({ type: 'command_reply', id: message.id, to: message.from, nodeId: this.config.nodeId, affected, sentAt: Date.now() })
        .catch((error: unknown) => this.logger.warn(`command reply not sent: ${String(error)}`));
      return;
    }
    if (message.type !== 'command_reply' || message.to !== this.config.nodeId) return;
    const entry = this.pending.get(message.id);
    if (!entry || entry.outcome.nodes.includes(message.nodeId)) return;
    entry.outcome.nodes.push(message.nodeId);
    entry.outcome.affected += message.affected;
    if ([...entry.expected].every((node) => entry.outcome.nodes.includes(node))) entry.done();
  }

  /** Applies a command to this node's connections; returns how many it changed. */
  apply(command: ServerCommand): number {
    const targets = [...this.registry.all()].filter((connection) =>
      command.action === 'disconnect' && command.connectionId !== undefined ? connection.id === command.connectionId : connection.principal.userId === command.userId,
    );
    let affected = 0;
    for (const connection of targets) {
      if (command.action === 'disconnect') {
        connection.socket.close(command.code, command.reason);
        affected++;
      } else if (command.action === 'subscribe') {
        if (this.subscribe(connection, command.channel)) affected++;
      } else if (connection.subscriptions.has(command.channel)) {
        this.registry.unsubscribe(connection, command.channel);
        connection.writer.send({ event: 'unsubscribed', data: { channel: command.channel } });
        affected++;
      }
    }
    return affected;
  }

  private subscribe(connection: Connection, channel: string): boolean {
    if (connection.subscriptions.has(channel)) return false;
    if (connection.subscriptions.size >= this.config.limits.maxSubscriptionsPerConnection) return false;
    // Live from now on (no history position): the client hears of it once the bus follows the channel.
    this.registry.subscribe(connection, channel).then(
      async () => {
        await this.presence.joined(connection, channel, false);
        connection.writer.send({ event: 'subscribed', data: { channel } });
      },
      (error: unknown) => this.logger.warn(`server subscribe of ${connection.id} to ${channel} failed: ${String(error)}`),
    );
    return true;
  }
}
