"""Consumes `csr-ledger.events`: allocations whose target is an enterprise become CSR grants in a local replica.

The CSR contract names a target by `target_kind` and a free `target_id`; an allocation counts for an enterprise
when `target_kind` is `enterprise` and `target_id` is the enterprise's id or its NIB (matched when read, so a
grant recorded before the enterprise registered here still counts once it does). The newest decision wins.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from gotong.contracts.base import parse_contract
from gotong.contracts.csr_ledger import EVENTS, AllocationDecided
from gotong.eventstore.postgres import driver_connection
from gotong.messaging.consumer import Delivered, EventConsumer


async def on_csr_event(conn: AsyncConnection, message: Delivered) -> None:
    event = message.event
    allocation = parse_contract(event.event_type, event.schema_version, event.data, EVENTS)
    if not isinstance(allocation, AllocationDecided) or allocation.target_kind != "enterprise":
        return
    driver = await driver_connection(conn)
    await driver.execute(
        """
        INSERT INTO csr_grants (allocation_id, company_id, target_id, target_name, amount, status, region, sdgs,
                                decided_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
        ON CONFLICT (allocation_id) DO UPDATE SET status = excluded.status, decided_at = excluded.decided_at
        WHERE csr_grants.decided_at <= excluded.decided_at
        """, allocation.allocation_id, allocation.company_id, allocation.target_id, allocation.target_name,
        allocation.amount, allocation.status, allocation.region, allocation.sdgs,
        datetime.fromisoformat(allocation.occurred_at))


def csr_consumer(app: Any) -> EventConsumer:
    settings = app.state.settings
    return EventConsumer(app.state.engine, name="enterprise.csr-grants", topics=["csr-ledger.events"],
                         handler=on_csr_event, bootstrap=settings.kafka_bootstrap_servers)
