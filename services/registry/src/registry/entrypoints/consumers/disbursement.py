"""Consumes `disbursement.events`: which programs a household received in which period, for the public
status check. Only program code, period, status, amount and the payment's receipt reference are kept
(`recipients`, a replica: not rebuilt from the registry's own events)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from gotong_contracts.base import parse_contract
from gotong_contracts.disbursement import EVENTS, PaymentRecorded
from sqlalchemy.ext.asyncio import AsyncConnection

from gotong.adapters.sql import Sql
from gotong.api.app import runtime
from gotong.messaging.consumer import Delivered, EventConsumer
from gotong.messaging.topics import events_topic
from registry.adapters.recipients import RANK, Recipients

__all__ = ["RANK", "disbursement_consumer", "on_disbursement_event"]


async def on_disbursement_event(conn: AsyncConnection, message: Delivered) -> None:
    event = message.event
    payment = parse_contract(event.event_type, event.schema_version, event.data, EVENTS)
    if not isinstance(payment, PaymentRecorded):
        return
    try:
        household_id = UUID(payment.household_ref)
    except ValueError:
        return  # not one of ours
    await Recipients(await Sql.over(conn)).record(household_id, payment.program_code, payment.period,
                                                  payment.status, amount=payment.amount,
                                                  payment_id=payment.payment_id)


def disbursement_consumer(app: Any) -> EventConsumer:
    rt = runtime(app)
    return EventConsumer(rt.engine, name="registry.recipients", topics=[events_topic("disbursement")],
                         handler=on_disbursement_event, bootstrap=rt.settings.kafka_bootstrap_servers)
