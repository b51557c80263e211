"""Consumes `disbursement.events`: CSR-funded payments post spending (paid) or its reversal (returned); program
definitions tell allocations which programs exist."""

from __future__ import annotations

from fastapi import FastAPI
from gotong_contracts.base import parse_contract
from gotong_contracts.disbursement import EVENTS, PaymentRecorded, ProgramDefined
from sqlalchemy.ext.asyncio import AsyncConnection

from csr_ledger.application.commands import record_program, record_spending
from gotong.adapters.sql import Sql
from gotong.api.app import runtime
from gotong.application.uow import UnitOfWorkFactory
from gotong.eventstore import EventMetadata
from gotong.messaging.consumer import Delivered, EventConsumer, Handler
from gotong.messaging.topics import events_topic

TOPIC = events_topic("disbursement")


def disbursement_handler(units: UnitOfWorkFactory) -> Handler:
    """The handler the consumer calls inside its transaction (the one that also moves its position)."""

    async def on_disbursement_event(conn: AsyncConnection, message: Delivered) -> None:
        event = message.event
        record = parse_contract(event.event_type, event.schema_version, event.data, EVENTS)
        if not isinstance(record, ProgramDefined | PaymentRecorded):
            return
        meta = EventMetadata(causation_id=None, actor="consumer:disbursement", traceparent=event.traceparent)
        uow = await units.joining(await Sql.over(conn), meta)
        if isinstance(record, ProgramDefined):
            await record_program(uow, record)
        else:
            await record_spending(uow, record)

    return on_disbursement_event


def disbursement_consumer(app: FastAPI) -> EventConsumer:
    rt = runtime(app)
    return EventConsumer(rt.engine, name="csr-ledger.spending", topics=[TOPIC],
                         handler=disbursement_handler(rt.units), bootstrap=rt.settings.kafka_bootstrap_servers)
