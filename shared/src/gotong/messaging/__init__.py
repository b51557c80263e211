"""Messaging: CloudEvents over Kafka, the outbox relay, consumers with exactly-once effect, dead letters."""
