"""Consumes `registry.events` into the eligibility replica (exactly-once effect through the kit's tracking).
The replica is the registry's facts, not this service's events: it is written here, not by projectors."""

from __future__ import annotations

from typing import Any

from gotong_contracts.base import parse_contract
from gotong_contracts.registry import (
    EVENTS,
    HouseholdChanged,
    HouseholdErased,
    HouseholdRanked,
    HouseholdsMerged,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from disbursement.adapters import replica
from gotong.adapters.sql import Sql
from gotong.api.app import runtime
from gotong.messaging.consumer import Delivered, EventConsumer
from gotong.messaging.topics import events_topic

CONSUMER = "disbursement.replica"
TOPIC = events_topic("registry")


async def on_registry_event(conn: AsyncConnection, message: Delivered) -> None:
    e = message.event
    fact = parse_contract(e.event_type, e.schema_version, e.data, EVENTS)
    if fact is None:
        return
    sql = await Sql.over(conn)
    if isinstance(fact, HouseholdChanged):
        await replica.apply_changed(sql, fact)
    elif isinstance(fact, HouseholdRanked):
        await replica.apply_ranked(sql, fact)
    elif isinstance(fact, HouseholdErased):
        await replica.apply_erased(sql, fact)
    elif isinstance(fact, HouseholdsMerged):
        await replica.apply_merged(sql, fact)


def registry_consumer(app: Any) -> EventConsumer:
    rt = runtime(app)
    return EventConsumer(rt.engine, name=CONSUMER, topics=[TOPIC], handler=on_registry_event,
                         bootstrap=rt.settings.kafka_bootstrap_servers)
