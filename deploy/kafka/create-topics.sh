#!/usr/bin/env sh
# Creates Switchboard's topics up front, for clusters where nodes may not create topics.
# Usage: BOOTSTRAP=kafka-1:9092 ./create-topics.sh   (needs Kafka's bin/ on PATH)
set -eu
BOOTSTRAP=${BOOTSTRAP:-127.0.0.1:9092}
TOPIC=${KAFKA_TOPIC:-switchboard.broadcast}
PARTITIONS=${KAFKA_PARTITIONS:-6}
REPLICATION=${KAFKA_REPLICATION_FACTOR:-3}
# The broadcast topic is also the channels' history: keep it at least as long as the
# longest history TTL (HISTORY_TTL_S / CHANNELS_CONFIG ttlSeconds). Default: one hour.
RETENTION_MS=${BROADCAST_RETENTION_MS:-3600000}

kafka-topics.sh --bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "$TOPIC" \
  --partitions "$PARTITIONS" --replication-factor "$REPLICATION" \
  --config retention.ms="$RETENTION_MS" --config cleanup.policy=delete
kafka-topics.sh --bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "$TOPIC.control" \
  --partitions 1 --replication-factor "$REPLICATION" \
  --config retention.ms=600000 --config cleanup.policy=delete
