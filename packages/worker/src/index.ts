export { ENVELOPE_VERSION, type RpcErrorBody, type RpcEvent, type RpcReply, type RpcRequest } from './contract.ts';
export { type EventHandler, type Handler, type Handlers, type RequestContext, type WorkerStats } from './dispatch.ts';
export { type BackendOptions, backendFromEnv } from './env.ts';
export type { AmqpWorkerOptions } from './amqp.ts';
export type { HttpWorkerOptions } from './http.ts';
export type { KafkaWorkerOptions } from './kafka.ts';
export { publish, userChannel } from './publish.ts';
export { RpcError, WorkerErrorCode } from './rpc-error.ts';
export { startWorker, type Worker, type WorkerOptions } from './worker.ts';
