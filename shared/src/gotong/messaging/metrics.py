"""Prometheus metrics of the relay and the consumers (lag is what `gotong status` shows)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

RELAY_LAG_EVENTS = Gauge("gotong_relay_lag_events", "Committed events not yet published", ["service"])
RELAY_LAG_SECONDS = Gauge("gotong_relay_lag_seconds", "Age of the oldest unpublished event", ["service"])
RELAY_PUBLISHED = Counter("gotong_relay_published_total", "Events published by the relay", ["service"])
RELAY_REPUBLISHES = Counter("gotong_relay_republishes_total",
                            "Times a new broker (cluster id) made the relay republish from the start", ["service"])
RELAY_ERRORS = Counter("gotong_relay_errors_total", "Publish attempts that failed (retried)", ["service"])
CONSUMER_LAG = Gauge("gotong_consumer_lag_messages", "Messages behind the partition's end",
                     ["consumer", "topic", "partition"])
CONSUMER_APPLIED = Counter("gotong_consumer_applied_total", "Events applied", ["consumer", "topic"])
CONSUMER_SKIPPED = Counter("gotong_consumer_duplicates_total", "Redelivered events skipped", ["consumer", "topic"])
CONSUMER_BROKER_CHANGES = Counter("gotong_consumer_broker_changes_total",
                                  "Times a consumer found a new broker and reread from the start", ["consumer"])
CONSUMER_STALE = Counter("gotong_consumer_stale_records_total",
                         "Records published for an earlier broker, ignored (their republished copy counts)",
                         ["consumer", "topic"])
CONSUMER_DEAD = Counter("gotong_consumer_dead_letters_total", "Poison events sent to the DLQ", ["consumer", "topic"])
