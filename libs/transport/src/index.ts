export { KAFKA_TRANSPORT_OPTIONS, type KafkaTransportOptions } from './kafka/kafka-options.js';
export { KafkaTransport } from './kafka/kafka.transport.js';
export { MemoryTransport } from './memory/memory.transport.js';
export { REDIS_TRANSPORT_OPTIONS, type RedisTransportOptions } from './redis/redis-options.js';
export { RedisTransport } from './redis/redis.transport.js';
export { TransportModule } from './transport.module.js';
export {
  type Broadcast,
  type ChannelStats,
  type ControlMessage,
  InjectTransport,
  type NodeHeartbeat,
  TRANSPORT,
  type Transport,
  type TransportEvent,
  type TransportHealth,
  TransportUnavailableError,
} from './transport.js';
