import { Inject } from '@nestjs/common';

export interface KafkaTransportOptions {
  brokers: string[];
  /** Broadcast topic; cluster control traffic uses `<topic>.control`. */
  topic: string;
  clientId: string;
  /** Each node consumes in a group of its own named `<groupPrefix>.<host>.<pid>.<random>`. */
  groupPrefix: string;
  /** Partition count when the topic is created here; channel → partition by key hash. */
  partitions: number;
  /** -1 leaves it to the broker's default.replication.factor. */
  replicationFactor: number;
  ssl: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
}

export const KAFKA_TRANSPORT_OPTIONS = Symbol('KAFKA_TRANSPORT_OPTIONS');
export const InjectKafkaOptions = (): ParameterDecorator => Inject(KAFKA_TRANSPORT_OPTIONS);
