"""Demo data for `gotong up`: the shipped programs (defined at startup) and a 2026-Q4 cycle of BPNT and PKH
over the demo households the registry publishes, opened, computed, reviewed, approved by a second officer
and instructed — the channel (simulator) then pays them."""

from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import Any
from uuid import UUID

from disbursement.application import cycles as cy
from gotong.db import create_engine
from gotong.eventstore import EventMetadata
from gotong.eventstore.postgres import PostgresEventStore, driver_connection

log = logging.getLogger("disbursement.demo")
PERIOD = "2026-Q4"
CUTOFF = date(2026, 10, 1)


async def _households(engine: Any, wait_s: float, settle_s: float = 3.0) -> int:
    """Ranked households in the replica once it has stopped growing for `settle_s` (the registry's demo is
    still being consumed when this starts), or what is there after `wait_s`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    last, stable_since = -1, loop.time()
    while True:
        async with engine.connect() as conn:
            n = int(await (await driver_connection(conn, begin=False)).fetchval(
                "SELECT count(*) FROM households WHERE NOT erased AND desil IS NOT NULL"))
        now = loop.time()
        if n != last:
            last, stable_since = n, now
        if (n and now - stable_since >= settle_s) or now >= deadline:
            return n
        await asyncio.sleep(0.5)


async def load_demo(settings: Any, wait_s: float = 120.0) -> None:
    engine = create_engine(settings.service_database_url, pool_size=2)
    store = PostgresEventStore(engine)
    maker, checker = EventMetadata(actor="demo-officer"), EventMetadata(actor="demo-supervisor")
    try:
        if not await _households(engine, wait_s):
            log.warning("no households in the replica yet: demo cycles not opened")
            return
        for program in ("PKH", "BPNT"):
            async with engine.connect() as conn:
                if await (await driver_connection(conn, begin=False)).fetchval(
                        "SELECT 1 FROM cycles c JOIN programs p USING (program_id) WHERE p.code = $1 AND "
                        "c.period = $2", program, PERIOD):
                    continue  # loaded already
            async with store.transaction() as tx:
                view = await cy.open_cycle(tx, program, PERIOD, CUTOFF, "demo-officer", maker)
            cid = UUID(view["cycle_id"])
            await cy.compute(store, cid, "demo-officer", maker)
            async with store.transaction() as tx:
                await cy.review(tx, cid, "demo-officer", "demo", maker)
            async with store.transaction() as tx:
                await cy.approve(tx, cid, "demo-supervisor", checker)
            async with store.transaction() as tx:
                await cy.instruct(tx, cid, "demo-officer", maker)
    finally:
        await engine.dispose()
