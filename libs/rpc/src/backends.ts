import type { RpcBackend } from './backend.js';
import { amqpRpcBackend } from './amqp/amqp.rpc-backend.js';
import { httpRpcBackend } from './http/http.rpc-backend.js';
import { kafkaRpcBackend } from './kafka/kafka.rpc-backend.js';

/**
 * Every backend RPC_BACKEND may name (besides `none`). Adding one is a folder under
 * libs/rpc/src/ with a descriptor (see {@link RpcBackend}) and one entry here.
 */
export const rpcBackends = {
  kafka: kafkaRpcBackend,
  amqp: amqpRpcBackend,
  http: httpRpcBackend,
} as const satisfies Record<string, RpcBackend<any, any>>;
