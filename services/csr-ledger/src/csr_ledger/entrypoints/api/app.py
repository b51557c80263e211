"""The csr-ledger service's web app: the composition root (API, relay, disbursement consumer, expiry)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI

from csr_ledger.adapters.ledger_store import expire_pending
from csr_ledger.config import VERSION, Settings
from csr_ledger.entrypoints.api.routes import public, router
from csr_ledger.entrypoints.consumers.disbursement import disbursement_consumer
from gotong.api.app import create_app as create_kit_app
from gotong.api.periodic import periodic
from gotong.contracts.csr_ledger import EVENTS
from gotong.eventstore.model import RecordedEvent
from gotong.messaging.consumer import consumers_lifespan
from gotong.messaging.relay import relay_lifespan

log = logging.getLogger("csr_ledger")

DESCRIPTION = (
    "Company CSR funds (TJSL, UU 40/2007 art. 74 and PP 47/2012) in a double-entry ledger that never loses a "
    "rupiah: pledges, deposits, allocations to programs, social enterprises and Triple Helix projects (above a "
    "threshold, approved by a second officer), and spending as those programs pay out."
)


def publish_contract(event: RecordedEvent) -> tuple[str, int, dict[str, Any]] | None:
    """Publish the CSR contract events; the ledger's own account/transfer events stay internal."""
    if event.event_type in EVENTS:
        return event.event_type, event.schema_version, dict(event.data)
    return None


async def expire_allocations(app: FastAPI) -> None:
    """Release allocations whose approval window passed (run every `expiry_interval_s`)."""
    async with app.state.store.transaction() as tx:
        outcome = await expire_pending(tx, datetime.now(UTC))
        if outcome.pending_changes:
            await tx.connection.exec_driver_sql(
                "UPDATE allocations SET status = 'expired', decided_at = now() "
                "WHERE status = 'pending_approval' AND transfer_id IN (SELECT id FROM ledger_transfers "
                "WHERE pending_state = 'expired')")


expiry_lifespan = periodic("allocation expiry", lambda app: app.state.settings.expiry_interval_s,
                           expire_allocations)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    hooks: list[Any] = [relay_lifespan, expiry_lifespan]
    if settings.consume_disbursement:
        hooks.append(lambda app: consumers_lifespan(app, [disbursement_consumer]))
    app = create_kit_app(settings, title="Gotong CSR ledger", version=VERSION, description=DESCRIPTION,
                         routers=[router, public], lifespan_hooks=hooks)
    app.state.contract_mapper = publish_contract
    return app
