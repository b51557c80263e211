"""Consumes `registry.events` into the eligibility replica (exactly-once effect through the kit's tracking)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from disbursement.adapters import replica
from gotong.contracts.base import parse_contract
from gotong.contracts.registry import (
    EVENTS,
    HouseholdChanged,
    HouseholdErased,
    HouseholdRanked,
    HouseholdsMerged,
)
from gotong.eventstore.postgres import driver_connection
from gotong.messaging.consumer import Delivered, EventConsumer

CONSUMER = "disbursement.replica"
TOPIC = "registry.events"


async def on_registry_event(conn: AsyncConnection, message: Delivered) -> None:
    e = message.event
    fact = parse_contract(e.event_type, e.schema_version, e.data, EVENTS)
    if fact is None:
        return
    driver = await driver_connection(conn)
    if isinstance(fact, HouseholdChanged):
        await replica.apply_changed(driver, fact)
    elif isinstance(fact, HouseholdRanked):
        await replica.apply_ranked(driver, fact)
    elif isinstance(fact, HouseholdErased):
        await replica.apply_erased(driver, fact)
    elif isinstance(fact, HouseholdsMerged):
        await replica.apply_merged(driver, fact)


def registry_consumer(app: Any) -> EventConsumer:
    return EventConsumer(app.state.engine, name=CONSUMER, topics=[TOPIC], handler=on_registry_event,
                         bootstrap=app.state.settings.kafka_bootstrap_servers)
