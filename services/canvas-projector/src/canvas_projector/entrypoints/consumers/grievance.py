"""Keeps the grievance cases the public accountability figures are computed from (`grievance.events`). Every
write is keyed by case, so a redelivery or a replay changes nothing; one case's events share a partition (the
stream id is the key), so they arrive in order."""

from __future__ import annotations

from typing import Any

from gotong_contracts import grievance
from gotong_contracts.base import parse_contract
from sqlalchemy.ext.asyncio import AsyncConnection

from canvas_projector.adapters.grievance_cases import GrievanceCases
from canvas_projector.application.grievances import apply_grievance_fact
from gotong.adapters.sql import Sql
from gotong.api.app import runtime
from gotong.messaging.consumer import Delivered, EventConsumer
from gotong.messaging.topics import events_topic

CONSUMER = "canvas-projector.grievance"
TOPIC = events_topic("grievance")


async def on_event(conn: AsyncConnection, message: Delivered) -> None:
    e = message.event
    fact = parse_contract(e.event_type, e.schema_version, e.data, grievance.EVENTS)
    if fact is None:
        return
    await apply_grievance_fact(GrievanceCases(await Sql.over(conn)), fact)


def grievance_consumer(app: Any) -> EventConsumer:
    kit = runtime(app)
    return EventConsumer(kit.engine, name=CONSUMER, topics=[TOPIC], handler=on_event,
                         bootstrap=kit.settings.kafka_bootstrap_servers)
