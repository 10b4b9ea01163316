import { Inject } from '@nestjs/common';
import type { TransportConfig } from '#libs/config';

/**
 * The validated KAFKA_* settings (README's configuration table): brokers, topic (control
 * traffic uses `<topic>.control`), client id, the prefix of each node's own consumer
 * group, partitions and replication for topics created here, TLS and SASL.
 */
export type KafkaTransportOptions = Omit<Extract<TransportConfig, { kind: 'kafka' }>, 'kind'>;

export const KAFKA_TRANSPORT_OPTIONS = Symbol('KAFKA_TRANSPORT_OPTIONS');
export const InjectKafkaOptions = (): ParameterDecorator => Inject(KAFKA_TRANSPORT_OPTIONS);
