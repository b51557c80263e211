"""Benchmarks: figures measured against raw PostgreSQL/Kafka and peer libraries in the same run."""
