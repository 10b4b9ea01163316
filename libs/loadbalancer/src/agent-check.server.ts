import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createServer, type Server, type Socket } from 'node:net';
import { InjectConfig, type SwitchboardConfig } from '#libs/config';
import { EventLoopMonitor, NodeLifecycle, NodeLoad } from '#libs/health';
import { InjectTransport, type Transport } from '#libs/transport';
import { agentReply, type NodeState } from './agent-reply.js';

/** HAProxy reads one line and closes; a peer that never does is not kept around. */
const SOCKET_TIMEOUT_MS = 5000;

/**
 * HAProxy's agent-check on AGENT_PORT: every connection gets one line (see agentReply)
 * and is closed. HAProxy often resets its agent sockets instead of closing them, and a
 * port scanner may do anything: every socket has an error listener, so none of that
 * can reach the process's uncaught-error handler.
 */
@Injectable()
export class AgentCheckServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('AgentCheck');
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    @InjectConfig() private readonly config: SwitchboardConfig,
    private readonly lifecycle: NodeLifecycle,
    private readonly load: NodeLoad,
    private readonly eventLoop: EventLoopMonitor,
    @InjectTransport() private readonly transport: Transport,
  ) {}

  /** Off unless AGENT_PORT is set. A port that is taken stops the node, like a taken PORT does. */
  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.loadBalancer.agentPort;
    if (port === undefined) return;
    const server = createServer((socket) => this.answer(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(new Error(`AGENT_PORT ${port}: ${error.message}`)));
      server.listen(port, this.config.host, () => resolve());
    });
    server.on('error', (error) => this.logger.error(`agent-check server: ${error.message}`));
    this.server = server;
    this.logger.log(`HAProxy agent-check on ${this.config.host}:${port}`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The current answer, as a check would get it now. */
  reply(): string {
    return agentReply(this.state());
  }

  private answer(socket: Socket): void {
    socket.on('error', () => socket.destroy());
    socket.setTimeout(SOCKET_TIMEOUT_MS, () => socket.destroy());
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    // Whatever HAProxy sends (agent-send) is read and ignored.
    socket.resume();
    socket.end(this.reply());
  }

  private state(): NodeState {
    return {
      draining: this.lifecycle.draining,
      transportReady: this.transport.health().ready,
      connections: this.load.connections,
      maxConnections: this.load.maxConnections,
      eventLoopLagMs: this.eventLoop.lag.p99Ms,
      eventLoopLagLimitMs: this.config.health.eventLoopLagLimitMs,
    };
  }
}
