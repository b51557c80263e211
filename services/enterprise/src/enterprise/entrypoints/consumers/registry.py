"""Consumes `registry.events`: a small replica of household references (region, desil, erased or merged), so a
link to an erased or merged household is refused and graduations can be counted by desil. Only the
pseudonymous reference and non-personal facts are kept; members are not."""

from __future__ import annotations

from typing import Any

from gotong_contracts.base import parse_contract
from gotong_contracts.registry import EVENTS
from sqlalchemy.ext.asyncio import AsyncConnection

from enterprise.adapters.tables import projectors
from enterprise.application import replicas
from gotong.adapters.sql import Sql
from gotong.api.app import runtime
from gotong.application.uow import UnitOfWorkFactory
from gotong.messaging.consumer import Delivered, EventConsumer
from gotong.messaging.topics import events_topic

_units = UnitOfWorkFactory(None, projectors=projectors)  # joins the consumer's transaction


async def on_registry_event(conn: AsyncConnection, message: Delivered) -> None:
    event = message.event
    fact = parse_contract(event.event_type, event.schema_version, event.data, EVENTS)
    if fact is not None:
        await replicas.registry_fact(await _units.joining(await Sql.over(conn)), fact)


def registry_consumer(app: Any) -> EventConsumer:
    kit = runtime(app)
    return EventConsumer(kit.engine, name="enterprise.registry", topics=[events_topic("registry")],
                         handler=on_registry_event, bootstrap=kit.settings.kafka_bootstrap_servers)
