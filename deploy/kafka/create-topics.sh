#!/usr/bin/env sh
# Creates Switchboard's topics up front, for clusters where nodes may not create topics.
# Usage: BOOTSTRAP=kafka-1:9092 ./create-topics.sh   (needs Kafka's bin/ on PATH)
set -eu
BOOTSTRAP=${BOOTSTRAP:-127.0.0.1:9092}
TOPIC=${KAFKA_TOPIC:-switchboard.broadcast}
PARTITIONS=${KAFKA_PARTITIONS:-6}
REPLICATION=${KAFKA_REPLICATION_FACTOR:-3}

kafka-topics.sh --bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "$TOPIC" \
  --partitions "$PARTITIONS" --replication-factor "$REPLICATION" \
  --config retention.ms=3600000 --config cleanup.policy=delete
kafka-topics.sh --bootstrap-server "$BOOTSTRAP" --create --if-not-exists --topic "$TOPIC.control" \
  --partitions 1 --replication-factor "$REPLICATION" \
  --config retention.ms=600000 --config cleanup.policy=delete
