import type { ChannelModel, ConfirmChannel, ConsumeMessage, RecoveringChannelModel } from 'amqplib';
import { parseMessage, type RpcRequest } from './contract.ts';
import { type Dispatcher, encodeReply, type EventHandler } from './dispatch.ts';

export interface AmqpWorkerOptions {
  /** amqp:// URL with credentials and vhost. */
  url: string;
  /** Default `switchboard.rpc.requests` (the gateway's RPC_AMQP_QUEUE). */
  queue?: string;
  /** Must match the gateway's RPC_AMQP_QUEUE_TYPE. Default `classic`. */
  queueType?: 'classic' | 'quorum';
  /** Unacknowledged requests this worker holds at once (basic.qos). Default 16. */
  prefetch?: number;
  /** Default `switchboard.rpc.events` (RPC_AMQP_EVENTS_QUEUE); consumed when an event handler is given. */
  eventsQueue?: string;
}

/**
 * Consumes the durable work queue with manual acks and a prefetch: RabbitMQ hands each
 * request to one worker; the worker replies (to the request's `replyTo` queue, waiting for
 * the broker's confirm) and only then acks. A worker that dies before its ack leaves the
 * request to RabbitMQ, which redelivers it to another (`redelivered` set). Reconnects
 * with backoff (amqplib's recovery) when the broker goes away.
 */
export async function startAmqpWorker(dispatcher: Dispatcher, options: AmqpWorkerOptions, onEvent?: EventHandler, log: Pick<Console, 'warn'> = console): Promise<{ stop(): Promise<void>; ready: Promise<void> }> {
  const { default: amqp } = await import('amqplib');
  const queue = options.queue ?? 'switchboard.rpc.requests';
  const eventsQueue = options.eventsQueue ?? 'switchboard.rpc.events';
  const queueArguments = options.queueType === 'quorum' ? { 'x-queue-type': 'quorum' } : {};
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const consumeRequests = async (model: ChannelModel): Promise<void> => {
    const channel: ConfirmChannel = await model.createConfirmChannel();
    channel.on('error', (error: Error) => log.warn(`amqp channel error: ${error.message}`));
    await channel.prefetch(options.prefetch ?? 16);
    await channel.assertQueue(queue, { durable: true, arguments: queueArguments });
    await channel.consume(queue, (message) => void handle(channel, message), { noAck: false });
    if (onEvent) {
      await channel.assertQueue(eventsQueue, { durable: true });
      await channel.consume(eventsQueue, (message) => void handleEvent(channel, message), { noAck: false });
    }
    markReady();
  };

  const handle = async (channel: ConfirmChannel, message: ConsumeMessage | null): Promise<void> => {
    if (!message) return;
    const parsed = parseMessage(message.content);
    if ('invalid' in parsed || parsed.type !== 'request') {
      dispatcher.stats.invalid++;
      log.warn(`dropping an invalid request: ${'invalid' in parsed ? parsed.invalid : 'not a request'}`);
      safely(() => channel.reject(message, false));
      return;
    }
    const request = parsed as RpcRequest;
    const replyTo = request.replyTo ?? (message.properties.replyTo as string | undefined);
    try {
      const reply = await dispatcher.handle(request, message.fields.redelivered);
      if (reply && replyTo) {
        await new Promise<void>((resolve, reject) =>
          channel.sendToQueue(replyTo, encodeReply(reply), { correlationId: request.id, contentType: 'application/json' }, (error: unknown) => (error ? reject(error) : resolve())),
        );
      }
      safely(() => channel.ack(message));
    } catch (error) {
      // The channel went away before the reply was confirmed: RabbitMQ redelivers the request.
      log.warn(`request ${request.id} not acknowledged: ${String(error)}`);
    }
  };

  const handleEvent = async (channel: ConfirmChannel, message: ConsumeMessage | null): Promise<void> => {
    if (!message) return;
    const parsed = parseMessage(message.content);
    try {
      if (!('invalid' in parsed) && parsed.type === 'event') await onEvent!(parsed);
    } finally {
      safely(() => channel.ack(message));
    }
  };

  const model: RecoveringChannelModel = await amqp.connect(options.url, {
    recovery: { initialDelay: 200, maxDelay: 2000, waitForConnect: false, setup: consumeRequests },
  });
  model.on('error', (error: Error) => log.warn(`amqp connection error: ${error.message}`));
  return {
    ready,
    async stop() {
      await model.close().catch(() => undefined);
    },
  };
}

/** An ack or reject on a channel that closed meanwhile throws; the broker redelivers anyway. */
function safely(action: () => void): void {
  try {
    action();
  } catch {
    // channel closed
  }
}
