"""Consumes `disbursement.events`: CSR-funded payments post spending (paid) or its reversal (returned); program
definitions tell allocations which programs exist."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from csr_ledger.application.commands import record_program, record_spending
from gotong.contracts.base import parse_contract
from gotong.contracts.disbursement import EVENTS, PaymentRecorded, ProgramDefined
from gotong.eventstore import EventMetadata
from gotong.eventstore.postgres import PostgresEventStoreTx
from gotong.messaging.consumer import Delivered, EventConsumer


async def on_disbursement_event(conn: AsyncConnection, message: Delivered) -> None:
    event = message.event
    payment = parse_contract(event.event_type, event.schema_version, event.data, EVENTS)
    if isinstance(payment, ProgramDefined):
        await record_program(conn, payment)
        return
    if not isinstance(payment, PaymentRecorded):
        return
    meta = EventMetadata(causation_id=None, actor="consumer:disbursement", traceparent=event.traceparent)
    await record_spending(PostgresEventStoreTx(conn), payment, meta)


def disbursement_consumer(app: Any) -> EventConsumer:
    settings = app.state.settings
    return EventConsumer(app.state.engine, name="csr-ledger.spending", topics=["disbursement.events"],
                         handler=on_disbursement_event, bootstrap=settings.kafka_bootstrap_servers)
