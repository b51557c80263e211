"""The log writes its leaves' payment figures itself (migration 0010): the rows are those the trigger of 0009
writes from the leaves' JSON — for payments sealed in one pass and from staging, returned and reissued ones, a
record that still carries its household, one without any — and any other writer of the leaves still gets them
from the trigger, even after the log appended in the same transaction."""

from typing import Any
from uuid import uuid4

from sqlalchemy.ext.asyncio import AsyncEngine

from canvas_projector.adapters.transparency_log import TransparencyLogTable
from canvas_projector.application import transparency
from canvas_projector.domain.transparency import canonical, public_record
from canvas_projector.entrypoints.consumers.transparency import CONSUMER, on_disbursement_events
from gotong.adapters.sql import Database, Sql
from gotong.eventstore.model import Position
from gotong.messaging.cloudevents import CloudEvent
from gotong.messaging.consumer import Delivered, DeliveredBatch

from .test_transparency_log import payment

TOPIC = "disbursement.events"

#: What the trigger of migration 0009 writes for every leaf, over the whole log.
BY_THE_TRIGGER = """
    SELECT n.idx, coalesce(h.household_ref, n.r->>'household_ref') AS household_ref, n.r->>'program_code',
           n.r->>'region_code', split_part(n.r->>'region_code', '.', 1),
           split_part(n.r->>'region_code', '.', 1) || '.' || split_part(n.r->>'region_code', '.', 2),
           n.r->>'desil', n.r->>'period', (n.r->>'occurred_at')::timestamptz,
           CASE n.r->>'status' WHEN 'paid' THEN (n.r->>'amount')::bigint
                               WHEN 'returned' THEN -(n.r->>'amount')::bigint ELSE 0 END
    FROM (SELECT idx, payment_id, convert_from(leaf, 'UTF8')::jsonb AS r FROM tlog_leaves) n
    LEFT JOIN tlog_payment_households h ON h.payment_id = n.payment_id"""
WRITTEN = ("SELECT idx, household_ref, program_code, region_code, province, regency, desil, period, occurred_at, net "
           "FROM tlog_figures")


def delivered(data: dict[str, Any], position: Position, partition: int = 0) -> Delivered:
    event = CloudEvent(id=str(uuid4()), source="/gotong/disbursement", type="id.gotong.disbursement.PaymentRecorded.v1",
                       time=None, subject=str(uuid4()), data=data, position=position)
    return Delivered(event, TOPIC, partition, position.position)


async def figures(sql: Sql) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(what the log wrote, what the trigger would have written), ordered by leaf."""
    written = [tuple(r) for r in await sql.fetch(WRITTEN + " ORDER BY idx")]
    expected = [tuple(r) for r in await sql.fetch(BY_THE_TRIGGER + " ORDER BY n.idx")]
    return written, expected


async def test_the_logs_figures_are_the_triggers_rows(engine: AsyncEngine) -> None:
    varied = [payment(1), payment(2), payment(2, "returned"), payment(2, "reissued", 2), payment(2, "paid", 2),
              {**payment(3), "desil": None, "region_code": "35"}, payment(4, "failed")]
    async with Database(engine).transaction() as sql:
        await sql.execute(
            "INSERT INTO consumer_positions (consumer, topic, partition, kafka_offset, watermark_tx_id, "
            "watermark_position) VALUES ($1, $2, 1, 0, 50, 0)", CONSUMER, TOPIC)
        log = TransparencyLogTable(sql)
        # staged before: a record sealed while households were in the records, and one whose household is unknown
        await transparency.stage(log, "pay-90:1:paid", Position(1, 1), {**public_record(payment(90)),
                                                                           "household_ref": "hh_old"})
        await transparency.stage(log, "pay-91:1:paid", Position(1, 2), public_record(payment(91)))
    batch = DeliveredBatch([delivered(p, Position(10 + i, 1)) for i, p in enumerate(varied)]
                           + [delivered(payment(5), Position(60, 1))],  # past the horizon: staged, sealed below
                           consumer=CONSUMER, topic=TOPIC, partition=0, watermark=Position(60, 1), partitions=[0, 1])
    async with Database(engine).transaction() as sql:
        await on_disbursement_events(sql.connection, batch)
    async with Database(engine).transaction() as sql:
        assert await transparency.seal(TransparencyLogTable(sql), Position(70, 0)) == 1
    async with Database(engine).read() as sql:
        written, expected = await figures(sql)
    assert len(written) == 10
    assert written == expected
    by_household = {r[1]: r for r in written}
    assert by_household["hh_old"][0] == 0, "the record's own household"
    assert None in by_household, "a payment whose household is not known"
    assert [r[9] for r in written if r[1] == "hh_00002"] == [750_000, -750_000, 0, 750_000]


async def test_another_writer_of_the_leaves_still_gets_the_figures_from_the_trigger(engine: AsyncEngine) -> None:
    async with Database(engine).transaction() as sql:
        log = TransparencyLogTable(sql)
        await transparency.stage(log, "pay-1:1:paid", Position(1, 1), public_record(payment(1)))
        await transparency.seal(log, Position(1, 1))  # the log's own append, then a bulk load in the same transaction
        await sql.copy("tlog_leaves", [(1, "pay-2:1:paid", "pay-2", canonical(public_record(payment(2))))],
                       ("idx", "record_key", "payment_id", "leaf"))
    async with Database(engine).read() as sql:
        written, expected = await figures(sql)
    assert [r[0] for r in written] == [0, 1]
    assert written == expected


async def test_times_and_amounts_only_postgresql_reads_and_a_household_known_before_are_the_triggers_too(
        engine: AsyncEngine) -> None:
    """The figures are made in Python where that gives PostgreSQL's value for sure, else PostgreSQL reads the
    fields: a time without an offset (the session's zone), one finer than a microsecond (rounded), other
    spellings, an amount written as text. A payment whose household was remembered before as another one
    counts that one, as the private table says."""
    times = ["2026-11-28T08:00:00", "2026-11-28T15:00:00.1234567+07:00", "2026-11-28 08:00:00Z",
             "2026-11-28T08:00:00.5-03:30", "2026-11-28T23:59:59.999999+14:00", "2026-11-28T08:00:00Z"]
    varied = [{**payment(10 + i), "occurred_at": at, "region_code": ["32", "32.73.01", "", "a.b.c.d", "32.", ".1"][i]}
              for i, at in enumerate(times)]
    async with Database(engine).transaction() as sql:
        await sql.execute(
            "INSERT INTO consumer_positions (consumer, topic, partition, kafka_offset, watermark_tx_id, "
            "watermark_position) VALUES ($1, $2, 1, 0, 50, 0)", CONSUMER, TOPIC)
        log = TransparencyLogTable(sql)
        assert await log.remember_households({"pay-12": "hh_before"}) == {}
        await transparency.stage(log, "pay-30:1:paid", Position(1, 1), {**public_record(payment(30)), "amount": "12"})
        await transparency.stage(log, "pay-31:1:returned", Position(1, 2),
                                 {**public_record(payment(31, "returned")), "occurred_at": "2026-11-28T08:00:00"})
    batch = DeliveredBatch([delivered(p, Position(10 + i, 1)) for i, p in enumerate(varied)],
                           consumer=CONSUMER, topic=TOPIC, partition=0, watermark=Position(60, 1), partitions=[0, 1])
    async with Database(engine).transaction() as sql:
        await on_disbursement_events(sql.connection, batch)
        assert await TransparencyLogTable(sql).remember_households({"pay-12": "hh_other"}) == {"pay-12": "hh_before"}
    async with Database(engine).read() as sql:
        written, expected = await figures(sql)
    assert len(written) == 8
    assert written == expected
    assert {r[1] for r in written if r[0] == 4} == {"hh_before"}, "pay-12: the household remembered first"
    assert [r[9] for r in written[:2]] == [12, -750_000]
    assert [r[5] for r in written[2:]] == ["32.", "32.73", ".", "a.b", "32.", ".1"]
