import { Logger } from '@nestjs/common';
import amqp, { type ConfirmChannel, type ChannelModel, type ConsumeMessage, type Message, type RecoveringChannelModel } from 'amqplib';
import type { RpcBackendClient, RpcBackendContext } from '../backend.js';
import { encodeEnvelope, parseReply, type RpcEventEnvelope, type RpcRequestEnvelope } from '../envelope.js';
import { RpcUnavailableError } from '../errors.js';
import { type AmqpRpcOptions, redactedUrl, workQueueArguments } from './amqp.rpc-backend.js';

/** How long a node's reply queue outlives its consumer (a reconnect keeps replies that came meanwhile). */
const REPLY_QUEUE_EXPIRES_MS = 60_000;

/**
 * RPC over RabbitMQ (AMQP 0-9-1, amqplib). Requests are persistent messages on a durable
 * work queue, published on a confirm channel with `mandatory`: `send` resolves when the
 * broker has confirmed the message (it is in the queue), and rejects when the broker
 * nacks it, returns it (no such queue) or is unreachable. Each carries `correlationId`,
 * `replyTo` (this node's reply queue) and an `expiration` equal to the time the client
 * has left, so the broker drops requests nobody waits for any more. Workers consume with
 * manual acks and a prefetch, and ack after replying: a worker that dies leaves its
 * unacked requests to be redelivered to another (`redelivered` set).
 *
 * amqplib's recovery reconnects with backoff; on every connection `setup` makes a new
 * confirm channel, declares the queues and consumes the reply queue (no-ack). While
 * disconnected `send` fails at once.
 */
export class AmqpRpcClient implements RpcBackendClient {
  readonly name = 'amqp';
  private readonly logger = new Logger('AmqpRpc');
  private readonly replyQueue: string;
  private model?: RecoveringChannelModel;
  private channel?: ConfirmChannel;
  private stopped = false;
  /** Correlation ids of requests the broker returned as unroutable (their confirm follows). */
  private readonly returned = new Set<string>();

  constructor(
    private readonly options: AmqpRpcOptions,
    private readonly context: RpcBackendContext,
  ) {
    this.replyQueue = `${options.replyQueuePrefix}${context.nodeId}`.slice(0, 255);
  }

  get ready(): boolean {
    return this.channel !== undefined && !this.stopped;
  }

  async start(): Promise<void> {
    this.stopped = false;
    const url = new URL(this.options.url);
    if (!url.searchParams.has('heartbeat')) url.searchParams.set('heartbeat', String(this.options.heartbeatSeconds));
    const model = await amqp.connect(url.toString(), {
      clientProperties: { connection_name: `switchboard ${this.context.nodeId}` },
      recovery: { initialDelay: 200, maxDelay: 2000, waitForConnect: false, setup: (connected: ChannelModel) => this.setup(connected) },
    });
    this.model = model;
    model.on('disconnect', (error: Error) => this.lost(`connection lost: ${error?.message ?? 'closed'}`));
    model.on('connect-failed', (error: Error) => this.context.onState(false, `cannot reach ${redactedUrl(this.options.url)}: ${error.message}`));
    model.on('error', (error: Error) => this.logger.warn(`connection error: ${error.message}`));
    model.on('blocked', (reason: string) => this.logger.warn(`broker blocked the connection: ${reason}`));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.channel = undefined;
    await this.model?.close().catch(() => undefined);
  }

  send(request: RpcRequestEnvelope): Promise<void> {
    const channel = this.channel;
    if (!channel) return Promise.reject(new RpcUnavailableError('RabbitMQ is not reachable'));
    const body = encodeEnvelope({ ...request, replyTo: this.replyQueue });
    const expiration = String(Math.max(1, request.deadline - Date.now()));
    return new Promise<void>((resolve, reject) => {
      try {
        channel.sendToQueue(
          this.options.queue,
          body,
          {
            persistent: true,
            mandatory: true,
            contentType: 'application/json',
            correlationId: request.id,
            messageId: request.id,
            replyTo: this.replyQueue,
            expiration,
            type: request.method,
            timestamp: Math.floor(Date.now() / 1000),
          },
          (error: unknown) => {
            if (this.returned.delete(request.id)) return reject(new RpcUnavailableError(`RabbitMQ has no queue ${this.options.queue}`));
            if (error) return reject(new RpcUnavailableError('RabbitMQ did not take the request'));
            resolve();
          },
        );
      } catch (error) {
        reject(new RpcUnavailableError(`RabbitMQ channel unusable: ${(error as Error).message}`));
      }
    });
  }

  sendEvent(event: RpcEventEnvelope): Promise<void> {
    const channel = this.channel;
    if (!channel) return Promise.reject(new RpcUnavailableError('RabbitMQ is not reachable'));
    return new Promise<void>((resolve, reject) => {
      try {
        channel.sendToQueue(this.options.eventsQueue, encodeEnvelope(event), { persistent: true, contentType: 'application/json', type: event.event }, (error: unknown) =>
          error ? reject(new RpcUnavailableError('RabbitMQ did not take the event')) : resolve(),
        );
      } catch (error) {
        reject(new RpcUnavailableError((error as Error).message));
      }
    });
  }

  /** Runs on every (re)connection. */
  private async setup(model: ChannelModel): Promise<void> {
    const channel = await model.createConfirmChannel();
    channel.on('error', (error: Error) => this.logger.warn(`channel error: ${error.message}`));
    channel.on('return', (message: Message) => {
      const id = message.properties.correlationId as string | undefined;
      if (id) this.returned.add(id);
    });
    channel.on('close', () => {
      if (this.channel !== channel) return;
      this.lost('channel closed');
      // A channel-level error leaves the connection up: open a new channel on it.
      if (!this.stopped) setTimeout(() => void this.reopen(model), 500).unref();
    });
    await channel.assertQueue(this.options.queue, { durable: true, arguments: workQueueArguments(this.options.queueType) });
    if (this.context.eventsEnabled) await channel.assertQueue(this.options.eventsQueue, { durable: true });
    await channel.assertQueue(this.replyQueue, { durable: false, autoDelete: false, expires: REPLY_QUEUE_EXPIRES_MS });
    await channel.consume(this.replyQueue, (message) => this.receive(message), { noAck: true });
    this.channel = channel;
    this.context.onState(true, `${redactedUrl(this.options.url)}: requests on ${this.options.queue}, replies on ${this.replyQueue}`);
  }

  private async reopen(model: ChannelModel): Promise<void> {
    if (this.stopped || this.channel) return;
    try {
      await this.setup(model);
    } catch (error) {
      // The connection went too: recovery runs setup again when it is back.
      this.logger.warn(`could not reopen the channel: ${(error as Error).message}`);
    }
  }

  private receive(message: ConsumeMessage | null): void {
    if (!message) return; // consumer cancelled (queue deleted): the next reconnect declares it again
    let value: unknown;
    try {
      value = JSON.parse(message.content.toString());
    } catch {
      this.context.onReply({ invalid: true, id: message.properties.correlationId as string | undefined, problem: 'reply is not JSON' });
      return;
    }
    // A worker that keeps the id in correlationId only (classic AMQP RPC) is understood too.
    const correlationId = message.properties.correlationId as string | undefined;
    if (value && typeof value === 'object' && !Array.isArray(value) && (value as { id?: unknown }).id === undefined && correlationId) {
      (value as { id?: string }).id = correlationId;
    }
    const parsed = parseReply(value);
    this.context.onReply(parsed.ok ? parsed.reply : { invalid: true, id: parsed.id, problem: parsed.problem });
  }

  private lost(detail: string): void {
    const wasReady = this.channel !== undefined;
    this.channel = undefined;
    this.returned.clear();
    if (wasReady && !this.stopped) this.context.onState(false, detail);
  }
}
