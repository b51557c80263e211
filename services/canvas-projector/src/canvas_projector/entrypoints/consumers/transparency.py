"""Feeds the transparency log from `disbursement.events`; a sealer turns staged records into signed leaves."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from gotong_contracts.base import parse_contract
from gotong_contracts.disbursement import EVENTS, PaymentRecorded
from sqlalchemy.ext.asyncio import AsyncConnection

from canvas_projector.adapters.signing_key import load_log
from canvas_projector.adapters.transparency_log import ConsumerProgress, TransparencyLogTable
from canvas_projector.application import transparency
from canvas_projector.domain.transparency import TransparencyLog
from canvas_projector.entrypoints.state import projector_state
from gotong.adapters.sql import Database, Sql
from gotong.api.app import runtime
from gotong.api.periodic import periodic
from gotong.eventstore.model import Position
from gotong.messaging.consumer import Delivered, DeliveredBatch, EventConsumer
from gotong.messaging.shapes import shape_check
from gotong.messaging.topics import events_topic

__all__ = ["CONSUMER", "FETCH_BYTES", "MAX_BATCH", "TOPIC", "load_log", "on_disbursement_event",
           "on_disbursement_events", "seal_and_sign", "sealer_lifespan", "transparency_consumer"]

CONSUMER = "canvas-projector.transparency"
# A replay applies each poll in one transaction, every partition it brought together, so that the horizon every
# partition has passed moves within the poll and it is sealed in the same pass. The consumer stops every partition
# at the lowest watermark any has reached and holds the rest (`hold_past_watermark`) rather than staging it. The
# embedded broker answers a fetch with ~7,500 payments of one or a few partitions (up to 2 MiB a partition): a
# poll of up to 40,000 records (and twice that held) lets all six catch up to one watermark before anything is
# staged for want of a partition.
FETCH_BYTES = 2 * 1024 * 1024
MAX_BATCH = 40_000
TOPIC = events_topic("disbursement")


async def on_disbursement_event(conn: AsyncConnection, message: Delivered) -> None:
    await on_disbursement_events(conn, [message])


_FAST = shape_check(PaymentRecorded)  # a replay checks each payment's fields without building a model


def _payments(messages: list[Delivered]) -> Iterator[tuple[Position, Mapping[str, Any]]]:
    """Each payment's position and validated contract fields. Data of exactly the contract's shape is checked
    cheaply; anything else goes through pydantic, which coerces what the contract allows and raises for a bad
    event (the consumer sends it to the dead-letter topic)."""
    for message in messages:
        event = message.event
        if event.event_type != "PaymentRecorded" or event.position is None:
            continue
        cheap = _FAST is not None and event.schema_version == PaymentRecorded.schema_version
        fields = _FAST(event.data) if cheap and _FAST is not None else None
        if fields is None:
            payment = parse_contract(event.event_type, event.schema_version, event.data, EVENTS)
            if not isinstance(payment, PaymentRecorded):
                continue
            fields = vars(payment)
        yield event.position, fields


async def _horizon(progress: ConsumerProgress, batch: DeliveredBatch) -> Position | None:
    """How far every partition has been read once this batch is applied: the stored watermarks of the partitions
    not in it and those in it from the batch (saved after the handler, in the same transaction)."""
    others = [p for p in batch.partitions if p not in batch.watermarks]
    watermarks = await progress.watermarks(batch.consumer, batch.topic, others) if others else {}
    watermarks.update(batch.watermarks)
    return transparency.horizon(watermarks, batch.partitions)


async def on_disbursement_events(conn: AsyncConnection, messages: list[Delivered]) -> None:
    """Stage a batch of payments in one statement (replays run at tens of thousands of events a second), and
    when every partition has been read past some of them, seal those in the same pass."""
    sql = await Sql.over(conn)
    horizon = await _horizon(ConsumerProgress(sql), messages) if isinstance(messages, DeliveredBatch) else None
    await transparency.stage_payments(TransparencyLogTable(sql), _payments(messages), horizon)


def transparency_consumer(app: Any) -> EventConsumer:
    kit = runtime(app)
    consumer = EventConsumer(kit.engine, name=CONSUMER, topics=[TOPIC], batch_handler=on_disbursement_events,
                             bootstrap=kit.settings.kafka_bootstrap_servers, max_batch=MAX_BATCH,
                             max_partition_fetch_bytes=FETCH_BYTES, hold_past_watermark=True)
    projector_state(app).transparency_consumer = consumer
    return consumer


async def seal_and_sign(database: Database, tlog: TransparencyLog, partitions: int | Sequence[int],
                        topic: str = TOPIC) -> int:
    """Seal what every partition (a count: 0..n-1, or the partition numbers) has passed, then sign a
    checkpoint if the log grew. One transaction."""
    numbers = list(range(partitions)) if isinstance(partitions, int) else list(partitions)
    async with database.transaction() as sql:
        return await transparency.seal_and_sign(TransparencyLogTable(sql), ConsumerProgress(sql), tlog, CONSUMER,
                                                topic, numbers)


async def seal_job(app: Any) -> None:
    consumer = projector_state(app).transparency_consumer
    if consumer is not None and consumer.consumer is not None and consumer.consumer.assignment():
        await seal_and_sign(runtime(app).database, projector_state(app).tlog,
                            sorted(tp.partition for tp in consumer.consumer.assignment() if tp.topic == TOPIC))


sealer_lifespan = periodic("transparency sealer", lambda app: projector_state(app).settings.tlog_seal_interval_s,
                           seal_job)
