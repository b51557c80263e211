"""Fixtures for relay and consumer tests: a topic per test and a read model that notices doubles and disorder."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import UUID

import pytest
from sqlalchemy import Column, Integer, MetaData, Table
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gotong.adapters.sql import Database, raw_driver
from gotong.messaging.consumer import Delivered, EventConsumer
from gotong.messaging.relay import OutboxRelay
from gotong.messaging.topics import dlq_topic, ensure_topics, events_topic

read_model = MetaData()
Table("stream_counts", read_model, Column("stream_id", PgUUID(as_uuid=True), primary_key=True),
      Column("n", Integer, nullable=False))


@pytest.fixture
def schema_extra() -> list[MetaData]:
    return [read_model]


class OrderViolation(Exception):
    pass


class Poisoned(Exception):
    pass


async def count_handler(conn: AsyncConnection, message: Delivered) -> None:
    """Applies each stream's events once and in order, or raises (which the DLQ would show)."""
    if message.event.data.get("poison"):
        raise Poisoned("this event is poison by design")
    driver = await raw_driver(conn)  # the consumer's own transaction
    version = message.event.stream_version
    sid = message.event.stream_id
    if version == 1:
        await driver.execute("INSERT INTO stream_counts (stream_id, n) VALUES ($1, 1)", sid)
        return
    status = await driver.execute(
        "UPDATE stream_counts SET n = n + 1 WHERE stream_id = $1 AND n = $2", sid, version - 1)
    if status != "UPDATE 1":
        raise OrderViolation(f"stream {sid} v{version} out of order")


async def stream_counts(engine: AsyncEngine) -> dict[UUID, int]:
    async with Database(engine).read() as sql:
        rows = await sql.fetch("SELECT stream_id, n FROM stream_counts")
    return {r[0]: r[1] for r in rows}


@pytest.fixture
async def service(kafka_bootstrap: str, unique_name: str) -> str:
    await ensure_topics(kafka_bootstrap, [events_topic(unique_name), dlq_topic(events_topic(unique_name))],
                        partitions=3)
    return unique_name


@pytest.fixture
async def relay(engine: AsyncEngine, service: str, kafka_bootstrap: str) -> AsyncIterator[OutboxRelay]:
    r = OutboxRelay(engine, service=service, bootstrap=kafka_bootstrap, batch_size=500,
                    producer_overrides={"request_timeout_ms": 60_000})
    yield r
    await r.close()


@pytest.fixture
async def consumer(engine: AsyncEngine, service: str, kafka_bootstrap: str) -> AsyncIterator[EventConsumer]:
    c = EventConsumer(engine, name="counts", topics=[events_topic(service)], handler=count_handler,
                      bootstrap=kafka_bootstrap)
    yield c
    await c.stop()
