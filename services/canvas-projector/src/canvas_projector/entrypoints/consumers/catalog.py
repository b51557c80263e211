"""Keeps replicas of published facts the portal and open data need: programs (from `disbursement.events`) and
company CSR money (from `csr-ledger.events`). Keys make every write idempotent."""

from __future__ import annotations

from typing import Any

from gotong_contracts import csr_ledger, disbursement
from gotong_contracts.base import parse_contract
from sqlalchemy.ext.asyncio import AsyncConnection

from canvas_projector.adapters.replicas import CatalogReplica
from canvas_projector.application.replication import apply_catalog_fact
from gotong.adapters.sql import Sql
from gotong.api.app import runtime
from gotong.messaging.consumer import Delivered, EventConsumer
from gotong.messaging.topics import events_topic

CONSUMER = "canvas-projector.catalog"
TOPICS = [events_topic("disbursement"), events_topic("csr-ledger")]
_EVENTS: dict[str, dict[str, Any]] = {events_topic("disbursement"): disbursement.EVENTS,
                                      events_topic("csr-ledger"): csr_ledger.EVENTS}


async def on_event(conn: AsyncConnection, message: Delivered) -> None:
    e = message.event
    fact = parse_contract(e.event_type, e.schema_version, e.data, _EVENTS.get(message.topic, csr_ledger.EVENTS))
    if fact is None:
        return
    await apply_catalog_fact(CatalogReplica(await Sql.over(conn)), fact)


def catalog_consumer(app: Any) -> EventConsumer:
    kit = runtime(app)
    return EventConsumer(kit.engine, name=CONSUMER, topics=TOPICS, handler=on_event,
                         bootstrap=kit.settings.kafka_bootstrap_servers)
