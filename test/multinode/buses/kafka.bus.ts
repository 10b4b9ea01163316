import kafkajs from 'kafkajs';
import { startKafka } from '../../infra/kafka-broker.js';
import type { ClusterBus } from './bus.js';

export async function startKafkaBus(): Promise<ClusterBus> {
  const broker = await startKafka();
  console.log(`[kafka] broker ${broker.version} ready in ${broker.startupMs} ms (format ${broker.formatMs} ms, jar fetch ${broker.fetchMs} ms)`);
  return {
    name: 'kafka',
    env: { TRANSPORT: 'kafka', KAFKA_BROKERS: broker.brokers, KAFKA_TOPIC: 'mn.broadcast', KAFKA_PARTITIONS: '3', KAFKA_REPLICATION_FACTOR: '1' },
    kill: () => broker.kill(),
    restart: async () => {
      await broker.restart();
      console.log(`[kafka] broker restarted in ${broker.startupMs} ms`);
    },
    stop: () => broker.stop(),
    consumerGroups: async () => {
      const admin = new kafkajs.Kafka({ brokers: [broker.brokers], logLevel: kafkajs.logLevel.NOTHING }).admin();
      await admin.connect();
      try {
        return (await admin.listGroups()).groups.map((group) => group.groupId).filter((id) => id.startsWith('switchboard.'));
      } finally {
        await admin.disconnect();
      }
    },
    recoveryBudgetMs: 30_000,
  };
}
