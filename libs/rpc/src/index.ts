// Client requests to back-end workers over a queue or HTTP: the service, its config and
// the backend table. Backend classes are not exported: they load only through their factory.
export type { RpcBackend, RpcBackendClient, RpcBackendContext } from './backend.js';
export { rpcBackends } from './backends.js';
export {
  ENVELOPE_VERSION,
  RPC_EVENT_NAMES,
  type RpcEventEnvelope,
  type RpcEventName,
  type RpcReplyEnvelope,
  type RpcRequestEnvelope,
  type RpcWorkerError,
} from './envelope.js';
export { RpcUnavailableError } from './errors.js';
export { RPC_BACKEND_NAMES, type RpcConfig, rpcConfigOf, type RpcEnv, rpcEnvSchema, type RpcLimits, type RpcSelection } from './rpc-config.js';
export { RpcModule } from './rpc.module.js';
export { INVALID_REPLY, REPLY_TOO_LARGE, RPC_CONFIG, type RpcCall, type RpcOutcome, RpcService } from './rpc.service.js';
