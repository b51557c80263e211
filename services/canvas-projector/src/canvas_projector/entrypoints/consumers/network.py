"""Keeps what the canvas and the portal need from the other approaches: social enterprises and their accepted
reports (`enterprise.events`), Triple Helix partners and projects (`partnership.events`), and the register's
size, verification and desil per province (`registry.events`). Every write is keyed, so a redelivery or a
replay changes nothing; event-carried state keeps the highest version."""

from __future__ import annotations

from typing import Any

from gotong_contracts import enterprise, partnership, registry
from gotong_contracts.base import parse_contract
from sqlalchemy.ext.asyncio import AsyncConnection

from canvas_projector.adapters.replicas import NetworkReplica
from canvas_projector.application.replication import apply_network_fact
from gotong.adapters.sql import Sql
from gotong.api.app import runtime
from gotong.messaging.consumer import Delivered, EventConsumer
from gotong.messaging.topics import events_topic

CONSUMER = "canvas-projector.network"
_EVENTS: dict[str, dict[str, Any]] = {events_topic("enterprise"): enterprise.EVENTS,
                                      events_topic("partnership"): partnership.EVENTS,
                                      events_topic("registry"): registry.EVENTS}
TOPICS = list(_EVENTS)


async def on_event(conn: AsyncConnection, message: Delivered) -> None:
    e = message.event
    fact = parse_contract(e.event_type, e.schema_version, e.data, _EVENTS.get(message.topic, {}))
    if fact is None:
        return
    await apply_network_fact(NetworkReplica(await Sql.over(conn)), fact)


def network_consumer(app: Any) -> EventConsumer:
    kit = runtime(app)
    return EventConsumer(kit.engine, name=CONSUMER, topics=TOPICS, handler=on_event,
                         bootstrap=kit.settings.kafka_bootstrap_servers)
