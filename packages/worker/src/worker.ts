import { hostname } from 'node:os';
import { type AmqpWorkerOptions, startAmqpWorker } from './amqp.ts';
import type { RpcReply, RpcRequest } from './contract.ts';
import { Dispatcher, type EventHandler, type Handlers, type WorkerStats } from './dispatch.ts';
import { type HttpWorkerOptions, serveHttp } from './http.ts';
import { type KafkaWorkerOptions, startKafkaWorker } from './kafka.ts';

export type WorkerOptions = {
  /** Method name → handler. A handler's return value is the client's `rpc_result` data; throw `RpcError` for `RPC_ERROR`. */
  handlers: Handlers;
  /** Connection events (the gateway's RPC_EVENTS): connect, disconnect, subscribe, unsubscribe. */
  onEvent?: EventHandler;
  /** Names this worker in its replies (`worker`). Default `<hostname>-<pid>`. */
  workerId?: string;
  /** Hooks for logs and tests. */
  onRequest?: (request: RpcRequest, redelivered: boolean) => void;
  onReply?: (reply: RpcReply) => void;
  logger?: Pick<Console, 'warn' | 'error'>;
} & ({ backend: 'kafka'; kafka: KafkaWorkerOptions } | { backend: 'amqp'; amqp: AmqpWorkerOptions } | { backend: 'http'; http: HttpWorkerOptions });

export interface Worker {
  readonly id: string;
  readonly backend: 'kafka' | 'amqp' | 'http';
  readonly stats: WorkerStats;
  /** The HTTP backend's port. */
  readonly port?: number;
  stop(): Promise<void>;
}

/**
 * Starts a worker on the chosen backend. Resolves once it consumes (Kafka: joined the
 * group; AMQP: first connection made; HTTP: listening).
 *
 *   const worker = await startWorker({
 *     backend: 'amqp', amqp: { url: 'amqp://guest:guest@127.0.0.1:5672' },
 *     handlers: { 'orders.create': async (payload, { request }) => ({ id: 42, by: request.userId }) },
 *   });
 */
export async function startWorker(options: WorkerOptions): Promise<Worker> {
  const id = options.workerId ?? `${hostname()}-${process.pid}`;
  const logger = options.logger ?? console;
  const dispatcher = new Dispatcher({ handlers: options.handlers, workerId: id, onRequest: options.onRequest, onReply: options.onReply, logger });
  if (options.backend === 'kafka') {
    const running = await startKafkaWorker(dispatcher, options.kafka, options.onEvent, logger);
    return { id, backend: 'kafka', stats: dispatcher.stats, stop: running.stop };
  }
  if (options.backend === 'amqp') {
    const running = await startAmqpWorker(dispatcher, options.amqp, options.onEvent, logger);
    await running.ready;
    return { id, backend: 'amqp', stats: dispatcher.stats, stop: running.stop };
  }
  const running = await serveHttp(dispatcher, options.http, options.onEvent);
  return { id, backend: 'http', stats: dispatcher.stats, port: running.port, stop: running.stop };
}
