"""Demo data for `gotong up`: the shipped programs (defined at startup) and a 2026-Q4 cycle of BPNT and PKH
over the demo households the registry publishes, opened, computed, reviewed, approved by a second officer
and instructed — the channel (simulator) then pays them."""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import Any
from uuid import UUID

from disbursement.adapters.computation import EntitlementComputation
from disbursement.adapters.projections import projectors
from disbursement.adapters.replica import HouseholdReplica
from disbursement.adapters.tables import CycleTable
from disbursement.application import cycles as cy
from disbursement.application.programs import load_program
from gotong.adapters.sql import Database
from gotong.application.uow import UnitOfWorkFactory
from gotong.db import create_engine
from gotong.domain.errors import NotFound
from gotong.eventstore import EventMetadata
from gotong.eventstore.postgres import PostgresEventStore

log = logging.getLogger("disbursement.demo")
PERIOD = "2026-Q4"
CUTOFF = date(2026, 10, 1)


async def _households(database: Database, wait_s: float, settle_s: float = 3.0) -> int:
    """Ranked households in the replica once it has stopped growing for `settle_s` (the registry's demo is
    still being consumed when this starts), or what is there after `wait_s`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    last, stable_since = -1, loop.time()
    while True:
        async with database.statement() as sql:
            n = await HouseholdReplica(sql).ranked()
        now = loop.time()
        if n != last:
            last, stable_since = n, now
        if (n and now - stable_since >= settle_s) or now >= deadline:
            return n
        await asyncio.sleep(0.5)


async def load_demo(settings: Any, wait_s: float = 120.0) -> None:
    engine = create_engine(settings.service_database_url, pool_size=2)
    store = PostgresEventStore(engine)
    units = UnitOfWorkFactory(store, projectors=projectors)
    maker, checker = EventMetadata(actor="demo-officer"), EventMetadata(actor="demo-supervisor")
    try:
        if not await _households(store.database, wait_s):
            log.warning("no households in the replica yet: demo cycles not opened")
            return
        for program in ("PKH", "BPNT"):
            async with units.begin(maker) as uow:
                try:
                    pid = (await load_program(uow, program)).id
                except NotFound:
                    continue
                if await uow.adapter(CycleTable).exists(pid, PERIOD):
                    continue  # loaded already
            async with units.begin(maker) as uow:
                view = await cy.open_cycle(uow, program, PERIOD, CUTOFF, "demo-officer")
            cid = UUID(view["cycle_id"])
            await cy.compute(units, EntitlementComputation(store.database), cid, "demo-officer", maker)
            async with units.begin(maker) as uow:
                await cy.review(uow, cid, "demo-officer", "demo")
            async with units.begin(checker) as uow:
                await cy.approve(uow, cid, "demo-supervisor")
            async with units.begin(maker) as uow:
                await cy.instruct(uow, cid, "demo-officer")
    finally:
        await engine.dispose()
