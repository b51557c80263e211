"""Demo data for `gotong up`: synthetic households over all of Indonesia (with DTKS-like defects planted, so
the review queue and the Dukcapil deaths have something to show), imported and ranked (a run one officer proposes
and another approves)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any
from uuid import UUID

from gotong.application.uow import UnitOfWorkFactory
from gotong.db import create_engine
from gotong.eventstore.model import EventMetadata
from gotong.eventstore.postgres import PostgresEventStore
from registry.adapters.civil_registry import DukcapilSimulator
from registry.adapters.crypto import KeyRing
from registry.application.commands import Deps
from registry.application.importer import import_file, write_jsonl
from registry.application.projections import build_projectors
from registry.application.ranking import approve_ranking, propose_ranking
from registry.synthetic import Defects, Truth, households

DEMO_HOUSEHOLDS = 4000
DEMO_PROPOSER, DEMO_APPROVER = "demo-loader", "demo-supervisor"
DEMO_DEFECTS = Defects(invalid_nik=0.01, invalid_kk=0.005, duplicate_nik=0.004, dead_member=0.004,
                       shared_account=0.002)


async def load_demo(settings: Any) -> None:
    engine = create_engine(settings.service_database_url, pool_size=2)
    store = PostgresEventStore(engine)
    keyring = KeyRing.from_text(settings.master_secret)
    units = UnitOfWorkFactory(store, projectors=build_projectors(keyring))
    try:
        async with store.database.read() as sql:
            if await sql.fetchval("SELECT count(*) FROM households"):
                return  # loaded already
        truth = Truth()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "dtsen-demo.jsonl"
            write_jsonl(households(DEMO_HOUSEHOLDS, seed=2026, defects=DEMO_DEFECTS, truth=truth), path)
            civil = DukcapilSimulator(seed="demo", mismatch_rate=settings.civil_mismatch_rate,
                                      not_found_rate=settings.civil_not_found_rate, deaths=dict(truth.deaths))
            await import_file(units, Deps(keyring, civil), path, meta=EventMetadata(actor="demo-loader"))
        # four eyes on the ranking run, as in operations: one officer proposes, another approves (and applies) it
        async with units.begin(EventMetadata(actor=DEMO_PROPOSER)) as uow:
            run_id = UUID((await propose_ranking(uow, DEMO_PROPOSER))["run_id"])
        async with units.begin(EventMetadata(actor=DEMO_APPROVER)) as uow:
            await approve_ranking(uow, run_id, DEMO_APPROVER)
    finally:
        await engine.dispose()
