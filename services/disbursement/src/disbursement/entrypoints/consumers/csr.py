"""Consumes `csr-ledger.events`: an approved CSR allocation to a program (target id = the program code in
lower case) links a CSR-funded program to it; the allocation's amount becomes the program's budget."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from disbursement.application.programs import link_allocation
from gotong.contracts.base import parse_contract
from gotong.contracts.csr_ledger import EVENTS, AllocationDecided
from gotong.eventstore import EventMetadata
from gotong.eventstore.postgres import PostgresEventStoreTx
from gotong.messaging.consumer import Delivered, EventConsumer

CONSUMER = "disbursement.csr-allocations"
TOPIC = "csr-ledger.events"


async def on_csr_event(conn: AsyncConnection, message: Delivered) -> None:
    e = message.event
    fact = parse_contract(e.event_type, e.schema_version, e.data, EVENTS)
    if not isinstance(fact, AllocationDecided) or fact.status != "approved" or fact.target_kind != "program":
        return
    meta = EventMetadata(actor="consumer:csr-ledger", traceparent=e.traceparent)
    await link_allocation(PostgresEventStoreTx(conn), fact.target_id, fact.allocation_id, fact.amount, meta)


def csr_consumer(app: Any) -> EventConsumer:
    return EventConsumer(app.state.engine, name=CONSUMER, topics=[TOPIC], handler=on_csr_event,
                         bootstrap=app.state.settings.kafka_bootstrap_servers)
