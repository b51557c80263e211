"""Consumes `csr-ledger.events`: allocations whose target is an enterprise become CSR grants in a local replica.

The CSR contract names a target by `target_kind` and a free `target_id`; an allocation counts for an enterprise
when `target_kind` is `enterprise` and `target_id` is the enterprise's id or its NIB (matched when read, so a
grant recorded before the enterprise registered here still counts once it does). The newest decision wins.
"""

from __future__ import annotations

from typing import Any

from gotong_contracts.base import parse_contract
from gotong_contracts.csr_ledger import EVENTS, AllocationDecided
from sqlalchemy.ext.asyncio import AsyncConnection

from enterprise.adapters.tables import projectors
from enterprise.application import replicas
from gotong.adapters.sql import Sql
from gotong.api.app import runtime
from gotong.application.uow import UnitOfWorkFactory
from gotong.messaging.consumer import Delivered, EventConsumer
from gotong.messaging.topics import events_topic

_units = UnitOfWorkFactory(None, projectors=projectors)  # joins the consumer's transaction


async def on_csr_event(conn: AsyncConnection, message: Delivered) -> None:
    event = message.event
    allocation = parse_contract(event.event_type, event.schema_version, event.data, EVENTS)
    if isinstance(allocation, AllocationDecided):
        await replicas.allocation_decided(await _units.joining(await Sql.over(conn)), allocation)


def csr_consumer(app: Any) -> EventConsumer:
    kit = runtime(app)
    return EventConsumer(kit.engine, name="enterprise.csr-grants", topics=[events_topic("csr-ledger")],
                         handler=on_csr_event, bootstrap=kit.settings.kafka_bootstrap_servers)
