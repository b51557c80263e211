"""Test support: real PostgreSQL and a real Kafka-protocol broker for every test suite in the workspace."""
