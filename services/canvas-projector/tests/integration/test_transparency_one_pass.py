"""Staging and sealing in one pass: when a batch's partition watermark lets every partition's records up to a
horizon be sealed, the batch's records at or before it become leaves with the staged records they follow, in
source order, and the log is the same as one built by staging everything and sealing later."""

import asyncio
from uuid import uuid4

from canvas_projector.adapters.transparency_log import TransparencyLogTable
from canvas_projector.application import transparency
from canvas_projector.domain.transparency import public_record
from canvas_projector.entrypoints.consumers.transparency import (
    CONSUMER,
    on_disbursement_event,
    on_disbursement_events,
    seal_and_sign,
)
from gotong.adapters.sql import Database
from gotong.db import create_engine
from gotong.eventstore.model import Position
from gotong.messaging.cloudevents import CloudEvent
from gotong.messaging.consumer import Delivered, DeliveredBatch, EventConsumer
from gotong.messaging.topics import ensure_topics
from gotong.testing.plugin import create_test_database

from .test_transparency_log import TLOG, payment, publish_payments, tree_state

TOPIC = "disbursement.events"


def delivered(i: int, position: Position, partition: int = 2, status: str = "paid") -> Delivered:
    event = CloudEvent(id=str(uuid4()), source="/gotong/disbursement", type="id.gotong.disbursement.PaymentRecorded.v1",
                       time=None, subject=str(uuid4()), data=payment(i, status), position=position)
    return Delivered(event, TOPIC, partition, i)


async def watermarks(engine, **by_partition: Position) -> None:
    async with Database(engine).transaction() as sql:
        for partition, mark in by_partition.items():
            await sql.execute(
                "INSERT INTO consumer_positions (consumer, topic, partition, kafka_offset, watermark_tx_id, "
                "watermark_position) VALUES ($1, $2, $3, 0, $4, $5)",
                CONSUMER, TOPIC, int(partition.removeprefix("p")), mark.tx_id, mark.position)


async def leaves_and_staged(engine) -> tuple[list[str], list[str]]:
    async with Database(engine).read() as sql:
        leaves = [r[0] for r in await sql.fetch("SELECT record_key FROM tlog_leaves ORDER BY idx")]
        staged = [r[0] for r in await sql.fetch("SELECT record_key FROM tlog_staged ORDER BY record_key")]
    return leaves, staged


async def test_a_batch_the_watermarks_cover_is_sealed_with_the_staged_records_in_source_order(engine):
    await watermarks(engine, p0=Position(10, 0), p1=Position(20, 0))
    async with Database(engine).transaction() as sql:  # partitions 0 and 1 staged before
        log = TransparencyLogTable(sql)
        await transparency.stage(log, "pay-1:1:paid", Position(5, 1), public_record(payment(1)))
        await transparency.stage(log, "pay-3:1:paid", Position(9, 1), public_record(payment(3)))
        await transparency.stage(log, "pay-9:1:paid", Position(15, 1), public_record(payment(9)))
    batch = DeliveredBatch(
        [delivered(2, Position(7, 1)), delivered(3, Position(8, 1)),  # pay-3 was staged first: it wins
         delivered(4, Position(9, 2)), delivered(4, Position(9, 3)),  # a repeat within the batch changes nothing
         delivered(5, Position(12, 1))],                              # past the horizon: staged
        consumer=CONSUMER, topic=TOPIC, partition=2, watermark=Position(12, 1), partitions=[0, 1, 2])
    async with Database(engine).transaction() as sql:
        await on_disbursement_events(sql.connection, batch)
    leaves, staged = await leaves_and_staged(engine)
    assert leaves == ["pay-1:1:paid", "pay-2:1:paid", "pay-3:1:paid", "pay-4:1:paid"], "horizon (10, 0), in order"
    assert staged == ["pay-5:1:paid", "pay-9:1:paid"]


async def test_a_record_sealed_or_staged_before_is_not_sealed_again(engine):
    await watermarks(engine, p0=Position(50, 0), p1=Position(50, 0))
    async with Database(engine).transaction() as sql:
        log = TransparencyLogTable(sql)
        await transparency.stage(log, "pay-1:1:paid", Position(5, 1), public_record(payment(1)))
        await transparency.stage(log, "pay-2:1:paid", Position(60, 1), public_record(payment(2)))
        assert await transparency.seal(log, Position(10, 0)) == 1
    batch = DeliveredBatch([delivered(1, Position(6, 1)), delivered(2, Position(7, 1)), delivered(3, Position(8, 1))],
                           consumer=CONSUMER, topic=TOPIC, partition=2, watermark=Position(40, 0),
                           partitions=[0, 1, 2])
    async with Database(engine).transaction() as sql:
        await on_disbursement_events(sql.connection, batch)
    leaves, staged = await leaves_and_staged(engine)
    assert leaves == ["pay-1:1:paid", "pay-3:1:paid"]
    assert staged == ["pay-2:1:paid"], "staged first (later in source order): sealed when the horizon passes it"


async def test_while_a_partition_has_no_watermark_the_batch_is_only_staged(engine):
    await watermarks(engine, p0=Position(50, 0))
    batch = DeliveredBatch([delivered(1, Position(6, 1))], consumer=CONSUMER, topic=TOPIC, partition=2,
                           watermark=Position(40, 0), partitions=[0, 1, 2])
    async with Database(engine).transaction() as sql:
        await on_disbursement_events(sql.connection, batch)
    assert await leaves_and_staged(engine) == ([], ["pay-1:1:paid"])


async def _sealer_holding_the_log(engine, then):
    """Run `then()` while another transaction holds the sealer's lock; let go once `then` waits for it (or after
    it returned). Returns `then`'s result."""
    async with Database(engine).transaction() as sealer:
        await sealer.execute("LOCK TABLE tlog_leaves IN EXCLUSIVE MODE")
        task = asyncio.create_task(then())
        while not task.done():  # until the batch waits for the lock (or gave up waiting)
            waiting = await sealer.fetchval(
                "SELECT count(*) FROM pg_locks WHERE relation = 'tlog_leaves'::regclass AND NOT granted")
            if waiting:
                break
            await asyncio.sleep(0.01)
    return await task


async def test_a_batch_meeting_the_sealer_waits_for_it_and_seals_instead_of_staging_all(engine):
    await watermarks(engine, p0=Position(50, 0), p1=Position(50, 0))
    batch = DeliveredBatch([delivered(1, Position(6, 1)), delivered(2, Position(60, 1))], consumer=CONSUMER,
                           topic=TOPIC, partition=2, watermark=Position(40, 0), partitions=[0, 1, 2])

    async def apply() -> None:
        async with Database(engine).transaction() as sql:
            await on_disbursement_events(sql.connection, batch)

    await _sealer_holding_the_log(engine, apply)
    assert await leaves_and_staged(engine) == (["pay-1:1:paid"], ["pay-2:1:paid"])


async def test_a_batch_stages_all_when_the_sealer_holds_the_log_longer_than_it_waits(engine, monkeypatch):
    monkeypatch.setattr(transparency, "SEALER_WAIT_MS", 50)
    await watermarks(engine, p0=Position(50, 0), p1=Position(50, 0))
    batch = DeliveredBatch([delivered(1, Position(6, 1)), delivered(2, Position(60, 1))], consumer=CONSUMER,
                           topic=TOPIC, partition=2, watermark=Position(40, 0), partitions=[0, 1, 2])

    async def apply() -> None:
        async with Database(engine).transaction() as sql:
            await on_disbursement_events(sql.connection, batch)
            assert await sql.fetchval("SHOW lock_timeout") == "0", "the wait is the lock's alone"

    async with Database(engine).transaction() as sealer:
        await sealer.execute("LOCK TABLE tlog_leaves IN EXCLUSIVE MODE")
        await apply()  # gives up after 50 ms: the sealer still holds the log
    assert await leaves_and_staged(engine) == ([], ["pay-1:1:paid", "pay-2:1:paid"])
    async with Database(engine).transaction() as sql:
        assert await transparency.seal(TransparencyLogTable(sql), Position(50, 0)) == 1, "sealed by the next pass"


async def test_a_batch_consumer_builds_the_same_log_as_one_event_at_a_time(engine, test_infra, kafka_bootstrap,
                                                                          unique_name):
    topic = f"{unique_name}.events"
    await ensure_topics(kafka_bootstrap, [topic, f"{topic}.dlq"], partitions=3)
    await publish_payments(test_infra, kafka_bootstrap, topic,
                           [payment(i) for i in range(80)] + [payment(3, "returned"), payment(3, "reissued", 2)],
                           twice=True)
    states = []
    for url, handlers in ((None, {"batch_handler": on_disbursement_events}),
                          (await create_test_database(test_infra.database_url, "canvas-projector"),
                           {"handler": on_disbursement_event})):
        target = engine if url is None else create_engine(url, pool_size=2)
        try:
            consumer = EventConsumer(target, name=CONSUMER, topics=[topic], bootstrap=kafka_bootstrap,
                                     max_batch=5000, **handlers)
            await consumer.run_until_idle(timeout=120)
            await seal_and_sign(Database(target), TLOG, len(consumer.consumer.assignment()), topic)
            await consumer.stop()
            states.append(await tree_state(target))
        finally:
            if url is not None:
                await target.dispose()
    assert states[0][0] == 82
    assert states[0] == states[1]
