"""Consumes `csr-ledger.events`: an approved CSR allocation to a program (target id = the program code in
lower case) links a CSR-funded program to it; the allocation's amount becomes the program's budget."""

from __future__ import annotations

from typing import Any

from gotong_contracts.base import parse_contract
from gotong_contracts.csr_ledger import EVENTS, AllocationDecided
from sqlalchemy.ext.asyncio import AsyncConnection

from disbursement.adapters.projections import projectors
from disbursement.application.programs import link_allocation
from gotong.adapters.sql import Sql
from gotong.api.app import runtime
from gotong.application.uow import UnitOfWorkFactory
from gotong.eventstore import EventMetadata
from gotong.messaging.consumer import Delivered, EventConsumer, Handler
from gotong.messaging.topics import events_topic

CONSUMER = "disbursement.csr-allocations"
TOPIC = events_topic("csr-ledger")


def csr_handler(units: UnitOfWorkFactory) -> Handler:
    async def on_csr_event(conn: AsyncConnection, message: Delivered) -> None:
        e = message.event
        fact = parse_contract(e.event_type, e.schema_version, e.data, EVENTS)
        if not isinstance(fact, AllocationDecided) or fact.status != "approved" or fact.target_kind != "program":
            return
        meta = EventMetadata(actor="consumer:csr-ledger", traceparent=e.traceparent)
        uow = await units.joining(await Sql.over(conn), meta)
        await link_allocation(uow, fact.target_id, fact.allocation_id, fact.amount)

    return on_csr_event


#: The handler with the service's projectors and the system clock (what the running consumer does).
on_csr_event = csr_handler(UnitOfWorkFactory(None, projectors=projectors))


def csr_consumer(app: Any) -> EventConsumer:
    rt = runtime(app)
    return EventConsumer(rt.engine, name=CONSUMER, topics=[TOPIC], handler=csr_handler(rt.units),
                         bootstrap=rt.settings.kafka_bootstrap_servers)
