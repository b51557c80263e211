"""Found by the fault suite (broker kill -9): on the new, empty broker a client's lookup auto-created a topic with
the broker's default partition count (4) before its relay created it; a consumer restarting just then assigned
itself those 4 partitions; the relay recreated the topic with its 6 and republished. The consumer, on the same
broker (same cluster id), never looked again and never read partitions 4 and 5: its replica missed their events
for good. A consumer that assigns its partitions itself now notices a topic with other partitions and reassigns."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import Column, MetaData, Table
from sqlalchemy.dialects.postgresql import UUID as PgUUID
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gotong.adapters.sql import raw_driver
from gotong.eventstore import EventData
from gotong.eventstore.postgres import PostgresEventStore
from gotong.infra.embedded import EmbeddedKafka
from gotong.messaging.consumer import Delivered, EventConsumer
from gotong.messaging.relay import OutboxRelay
from gotong.messaging.topics import delete_topics, ensure_topics, events_topic
from gotong.testing.wait import eventually

read_model = MetaData()
Table("applied", read_model, Column("stream_id", PgUUID(as_uuid=True), primary_key=True))


@pytest.fixture
def schema_extra() -> list[MetaData]:
    return [read_model]


async def _apply(conn: AsyncConnection, message: Delivered) -> None:
    driver = await raw_driver(conn)  # the consumer's own transaction
    await driver.execute("INSERT INTO applied VALUES ($1) ON CONFLICT DO NOTHING", message.event.stream_id)


async def _applied(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.exec_driver_sql("SELECT count(*) FROM applied")).scalar_one())


async def _partitions(bootstrap: str, topic: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics()
        return next((len(d["partitions"]) for d in described if d["topic"] == topic), 0)
    finally:
        await admin.close()


async def test_a_consumer_reads_every_partition_of_a_topic_recreated_with_more(engine: AsyncEngine, unique_name: str,
                                                                                tmp_path: Any):
    broker = EmbeddedKafka(log_path=tmp_path / "tansu.log").start()
    topic = events_topic(unique_name)
    consumer = EventConsumer(engine, name="applied", topics=[topic], handler=_apply,
                             bootstrap=broker.bootstrap_servers, dlq_enabled=False, broker_check_interval=0.5)
    relay = OutboxRelay(engine, service=unique_name, bootstrap=broker.bootstrap_servers, partitions=6)
    stop = asyncio.Event()
    task: asyncio.Task[None] | None = None
    try:
        await ensure_topics(broker.bootstrap_servers, [topic], partitions=4)  # what an auto-creating lookup made
        await consumer.start()
        assert len(consumer.consumer.assignment()) == 4  # type: ignore[union-attr]
        # The relay replaces it with its own partition count (the consumer's lookups may auto-create it again
        # in between: then once more).
        while await _partitions(broker.bootstrap_servers, topic) != 6:
            await delete_topics(broker.bootstrap_servers, [topic])
            await ensure_topics(broker.bootstrap_servers, [topic], partitions=6)
        task = asyncio.create_task(consumer.run(stop))
        store = PostgresEventStore(engine)
        async with store.transaction() as tx:
            for sid in [uuid4() for _ in range(40)]:  # spread over all six partitions
                await tx.append(sid, "thing", 0, [EventData("Counted", {"v": 1})])
        await relay.drain()
        await eventually(lambda: _applied(engine), lambda n: n == 40, timeout=60,
                         what="every stream's event applied, from all six partitions")
        assert len(consumer.consumer.assignment()) == 6  # type: ignore[union-attr]
    finally:
        stop.set()
        if task is not None:
            await asyncio.wait_for(task, 30)
        await consumer.stop()
        await relay.close()
        broker.stop()
