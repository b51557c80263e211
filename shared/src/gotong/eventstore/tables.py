"""Tables of the event store, the relay checkpoint and consumer tracking; used by every service's migrations."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.types import UserDefinedType


class Xid8(UserDefinedType[int]):
    cache_ok = True

    def get_col_spec(self, **kw: object) -> str:
        return "xid8"


kit_metadata = MetaData()

events = Table(
    "events",
    kit_metadata,
    Column("position", BigInteger, Identity(always=False), nullable=False),
    Column("tx_id", Xid8, nullable=False, server_default=text("pg_current_xact_id()")),
    Column("stream_id", UUID(as_uuid=True), nullable=False),
    Column("stream_type", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("event_id", UUID(as_uuid=True), nullable=False),
    Column("event_type", Text, nullable=False),
    Column("schema_version", SmallInteger, nullable=False),
    Column("data", JSONB, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("correlation_id", UUID(as_uuid=True)),
    Column("causation_id", UUID(as_uuid=True)),
    Column("actor", Text),
    Column("idempotency_key", Text),
    Column("traceparent", Text),
    PrimaryKeyConstraint("stream_id", "version", name="events_pkey"),
    UniqueConstraint("event_id", name="events_event_id_key"),
    Index("events_global_order", "tx_id", "position"),
)

snapshots = Table(
    "snapshots",
    kit_metadata,
    Column("stream_id", UUID(as_uuid=True), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("schema_version", SmallInteger, nullable=False),
    Column("state", JSONB, nullable=False),
    Column("taken_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

relay_checkpoints = Table(
    "relay_checkpoints",
    kit_metadata,
    Column("name", Text, primary_key=True),
    Column("tx_id", BigInteger, nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("broker_epoch", Text),  # which broker start the checkpoint belongs to; a new epoch republishes all
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

consumer_positions = Table(
    "consumer_positions",
    kit_metadata,
    Column("consumer", Text, nullable=False),
    Column("topic", Text, nullable=False),
    Column("partition", Integer, nullable=False),
    Column("kafka_offset", BigInteger, nullable=False),  # next offset to read
    Column("source_tx_id", BigInteger, nullable=False, server_default=text("0")),
    Column("source_position", BigInteger, nullable=False, server_default=text("0")),
    # The producer's watermark seen on this partition: every event at or before it has arrived here already.
    Column("watermark_tx_id", BigInteger, nullable=False, server_default=text("0")),
    Column("watermark_position", BigInteger, nullable=False, server_default=text("0")),
    # The broker (cluster id) `kafka_offset` counts on: offsets on another one (restarted empty) mean nothing.
    Column("broker_epoch", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("consumer", "topic", "partition"),
)

idempotency_keys = Table(
    "idempotency_keys",
    kit_metadata,
    Column("principal", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("method", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("request_hash", LargeBinary, nullable=False),
    Column("state", Text, nullable=False),  # in_flight | done
    Column("locked_until", DateTime(timezone=True)),
    Column("response_status", Integer),
    Column("response_headers", JSONB),
    Column("response_body", LargeBinary),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    PrimaryKeyConstraint("principal", "key"),
)

dead_letters = Table(
    "dead_letters",
    kit_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("consumer", Text, nullable=False),
    Column("topic", Text, nullable=False),
    Column("partition", Integer, nullable=False),
    Column("kafka_offset", BigInteger, nullable=False),
    Column("error", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("consumer", "topic", "partition", "kafka_offset", name="dead_letters_once"),
)
