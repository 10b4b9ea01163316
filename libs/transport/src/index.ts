export { MemoryTransport } from './memory/memory.transport.js';
export { TransportModule } from './transport.module.js';
export {
  type Broadcast,
  type ChannelStats,
  type ControlMessage,
  InjectTransport,
  type NodeHeartbeat,
  TRANSPORT,
  type Transport,
  type TransportHealth,
  TransportUnavailableError,
} from './transport.js';
