"""Consumes `disbursement.events`: which programs a household received in which period, for the public
status check. Only program code, period and status are kept."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from gotong.contracts.base import parse_contract
from gotong.contracts.disbursement import EVENTS, PaymentRecorded
from gotong.eventstore.postgres import driver_connection
from gotong.messaging.consumer import Delivered, EventConsumer

# later statuses win over earlier ones; a reissue that is paid ends as paid
RANK = {"instructed": 1, "failed": 2, "reissued": 3, "returned": 4, "paid": 5}


async def on_disbursement_event(conn: AsyncConnection, message: Delivered) -> None:
    event = message.event
    payment = parse_contract(event.event_type, event.schema_version, event.data, EVENTS)
    if not isinstance(payment, PaymentRecorded):
        return
    try:
        household_id = UUID(payment.household_ref)
    except ValueError:
        return  # not one of ours
    driver = await driver_connection(conn)
    await driver.execute(
        "INSERT INTO recipients (household_id, program_code, period, status) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (household_id, program_code, period) DO UPDATE SET status = EXCLUDED.status, updated_at = now() "
        "WHERE $5 >= (CASE recipients.status WHEN 'instructed' THEN 1 WHEN 'failed' THEN 2 WHEN 'reissued' THEN 3 "
        "WHEN 'returned' THEN 4 WHEN 'paid' THEN 5 ELSE 0 END)",
        household_id, payment.program_code, payment.period, payment.status, RANK[payment.status])


def disbursement_consumer(app: Any) -> EventConsumer:
    settings = app.state.settings
    return EventConsumer(app.state.engine, name="registry.recipients", topics=["disbursement.events"],
                         handler=on_disbursement_event, bootstrap=settings.kafka_bootstrap_servers)
