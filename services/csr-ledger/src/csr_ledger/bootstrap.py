"""The csr-ledger service's composition root: its projectors, its app (API, relay, disbursement consumer,
allocation expiry) and how the launcher finds, migrates and runs it (entry point `gotong.services`)."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from fastapi import FastAPI

from csr_ledger.adapters import desk_tables, ledger_store
from csr_ledger.application.commands import ALLOCATIONS, expire_allocations
from csr_ledger.application.publishing import publish_contract
from csr_ledger.config import VERSION, Settings
from csr_ledger.demo import load_demo
from csr_ledger.domain.csr import Allocation
from csr_ledger.domain.events import (
    AccountOpened,
    CompanyRegistered,
    PendingResolved,
    PledgeMade,
    SpendingRecorded,
    TransferCreated,
    registry,
)
from csr_ledger.entrypoints.api.routes import public, router
from csr_ledger.entrypoints.cli import csr, csr_ledger
from csr_ledger.entrypoints.consumers.disbursement import TOPIC, disbursement_consumer
from gotong.api.app import LifespanHook, runtime
from gotong.api.app import create_app as create_kit_app
from gotong.api.periodic import periodic
from gotong.application.repository import Repository
from gotong.application.uow import Projectors
from gotong.domain.aggregate import Aggregate
from gotong.domain.clock import SYSTEM_CLOCK, Clock
from gotong.eventstore import EventMetadata
from gotong.messaging.consumer import consumers_lifespan
from gotong.messaging.relay import relay_lifespan
from gotong.service import ServiceSpec

DESCRIPTION = (
    "Company CSR funds (TJSL, UU 40/2007 art. 74 and PP 47/2012) in a double-entry ledger that never loses a "
    "rupiah: pledges, deposits, allocations to programs, social enterprises and Triple Helix projects (above a "
    "threshold, approved by a second officer), and spending as those programs pay out."
)

#: The read tables the projectors own (`gotong csr-ledger rebuild` empties and replays them). `programs` is a
#: replica of disbursement's events, not a projection of this store: it is not among them.
TABLES = ("ledger_accounts", "ledger_transfers", "companies", "pledges", "allocations", "spending")


def build_projectors() -> Projectors:
    projectors = Projectors(tables=TABLES)
    projectors.on(registry, AccountOpened)(ledger_store.project_account_opened)
    projectors.on(registry, TransferCreated)(ledger_store.project_transfer_created)
    projectors.on(registry, PendingResolved)(ledger_store.project_pending_resolved)
    projectors.on(registry, CompanyRegistered)(desk_tables.project_company_registered)
    projectors.on(registry, PledgeMade)(desk_tables.project_pledge_made)
    projectors.on(registry, SpendingRecorded)(desk_tables.project_spending_recorded)
    projectors.state(Allocation)(desk_tables.project_allocation)
    return projectors


PROJECTORS = build_projectors()
#: The aggregates whose state projectors a rebuild runs.
REBUILT: list[Repository[Aggregate]] = [cast(Repository[Aggregate], ALLOCATIONS)]


async def expire_reservations(app: FastAPI) -> None:
    """Release allocations whose approval window passed (run every `expiry_interval_s`)."""
    async with runtime(app).units.begin(EventMetadata(actor="system:expiry")) as uow:
        await expire_allocations(uow)


def _expiry_interval(app: FastAPI) -> float:
    return cast(Settings, runtime(app).settings).expiry_interval_s


expiry_lifespan = periodic("allocation expiry", _expiry_interval, expire_reservations)


def create_app(settings: Settings | None = None, *, clock: Clock = SYSTEM_CLOCK) -> FastAPI:
    settings = settings or Settings()
    hooks: list[LifespanHook] = [relay_lifespan, expiry_lifespan]
    if settings.consume_disbursement:
        hooks.append(lambda app: consumers_lifespan(app, [disbursement_consumer]))
    app = create_kit_app(settings, title="Gotong CSR ledger", version=VERSION, description=DESCRIPTION,
                         routers=[router, public], lifespan_hooks=hooks, projectors=PROJECTORS, clock=clock,
                         contract_mapper=publish_contract)
    return app


service = ServiceSpec(
    name="csr-ledger",
    settings=Settings,
    create_app=create_app,
    migrations=Path(__file__).parent / "migrations",
    port=8103,
    demo_data=load_demo,
    cli=(csr, csr_ledger),
    consumes=(TOPIC,),
)
