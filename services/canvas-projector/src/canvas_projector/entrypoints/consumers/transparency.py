"""Feeds the transparency log from `disbursement.events`; a sealer turns staged records into signed leaves."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from canvas_projector.transparency.log import TransparencyLog
from gotong.api.periodic import periodic
from gotong.api.token_server import load_or_create_key, load_private_key
from gotong.contracts.base import parse_contract
from gotong.contracts.disbursement import EVENTS, PaymentRecorded
from gotong.eventstore.model import Position
from gotong.eventstore.postgres import driver_connection
from gotong.messaging.consumer import Delivered, EventConsumer

CONSUMER = "canvas-projector.transparency"
TOPIC = "disbursement.events"
RECORD_FIELDS = ("payment_id", "attempt", "household_ref", "program_id", "program_code", "cycle_id", "period",
                 "amount", "region_code", "desil", "status", "occurred_at")
log = logging.getLogger("canvas_projector.transparency")


def public_record(payment: PaymentRecorded) -> dict[str, Any]:
    """What the public log shows of a payment: a pseudonymous household reference, never a person."""
    data = payment.model_dump(mode="json")
    return {k: data[k] for k in RECORD_FIELDS}


async def on_disbursement_event(conn: AsyncConnection, message: Delivered) -> None:
    await on_disbursement_events(conn, [message])


async def on_disbursement_events(conn: AsyncConnection, messages: list[Delivered]) -> None:
    """Stage a batch of payments in one statement (replays run at tens of thousands of events a second)."""
    staged = []
    for message in messages:
        event = message.event
        if event.event_type != "PaymentRecorded" or event.position is None:
            continue
        payment = parse_contract(event.event_type, event.schema_version, event.data, EVENTS)
        if isinstance(payment, PaymentRecorded):  # validated; the record is taken from the contract's fields
            # a reissued payment is a new attempt: its statuses are new records (paid, returned, paid again)
            staged.append((f"{payment.payment_id}:{payment.attempt}:{payment.status}", event.position,
                           {k: getattr(payment, k) for k in RECORD_FIELDS}))
    if staged:
        await TransparencyLog.stage_many(await driver_connection(conn), staged)


def transparency_consumer(app: Any) -> EventConsumer:
    return EventConsumer(app.state.engine, name=CONSUMER, topics=[TOPIC], batch_handler=on_disbursement_events,
                         bootstrap=app.state.settings.kafka_bootstrap_servers, max_batch=5000)


async def horizon(conn: AsyncConnection, partitions: Sequence[int], topic: str = TOPIC) -> Position | None:
    """How far every partition of the topic has been read: the smallest watermark over `partitions` (those the
    consumer is assigned now: rows of partitions a topic no longer has must not hold the log back), or None
    while one of them has not been read yet (it could still hold older records)."""
    driver = await driver_connection(conn)
    rows = await driver.fetch(
        "SELECT watermark_tx_id, watermark_position FROM consumer_positions "
        "WHERE consumer = $1 AND topic = $2 AND partition = ANY($3::int[])", CONSUMER, topic, list(partitions))
    if len(rows) < len(set(partitions)) or not rows:
        return None
    return min(Position(r[0], r[1]) for r in rows)


async def seal_and_sign(engine: Any, tlog: TransparencyLog, partitions: int | Sequence[int],
                        topic: str = TOPIC) -> int:
    """Seal what every partition (a count: 0..n-1, or the partition numbers) has passed, then sign a
    checkpoint if the log grew."""
    numbers = list(range(partitions)) if isinstance(partitions, int) else list(partitions)
    async with engine.begin() as conn:
        driver = await driver_connection(conn)
        upto = await horizon(conn, numbers, topic)
        if upto is None:
            return 0
        sealed = await tlog.seal(driver, upto)
        await tlog.sign_checkpoint(driver)
    return sealed


def load_log(settings: Any) -> TransparencyLog:
    if settings.tlog_signing_key:
        key = load_private_key(settings.tlog_signing_key.encode(), "TLOG_SIGNING_KEY")
    else:  # production never makes its own key: replicas must share one (checked at start-up)
        key = load_or_create_key(Path(settings.tlog_signing_key_path), create=settings.gotong_env == "local")
    return TransparencyLog(settings.tlog_origin, settings.tlog_key_name, key)


async def seal_job(app: Any) -> None:
    consumer = next((c for c in getattr(app.state, "consumers", []) if c.name == CONSUMER), None)
    if consumer is not None and consumer.consumer is not None and consumer.consumer.assignment():
        await seal_and_sign(app.state.engine, app.state.tlog,
                            sorted(tp.partition for tp in consumer.consumer.assignment() if tp.topic == TOPIC))


sealer_lifespan = periodic("transparency sealer", lambda app: app.state.settings.tlog_seal_interval_s, seal_job)
