"""Demo cases for `gotong up` (fictional people and references): an anonymous sanggah just received, a payment
complaint under field verification with evidence, a data correction rejected and closed, and an usul whose
upholding awaits a second officer; behind them a month of 24 earlier cases (`demo_history`) so the portal's
accountability figures have enough cases to show."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid5

from gotong.application.uow import UnitOfWorkFactory
from gotong.db import create_engine
from gotong.eventstore import EventMetadata
from gotong.eventstore.postgres import PostgresEventStore
from grievance.adapters.reads import CaseReads
from grievance.adapters.sealing import KeyRing
from grievance.adapters.tables import projectors
from grievance.application import commands as c
from grievance.application.inputs import CaseSubmit, Details, Evidence, Investigate, Proposal, Reporter, Triage
from grievance.demo_history import load_history

NAMESPACE = UUID("0b7d3c1e-5f4a-4e8b-9c2d-7a6f1e0d3b58")


def _ref(name: str) -> str:
    return str(uuid5(NAMESPACE, name))


async def load_demo(settings: Any) -> None:
    engine = create_engine(settings.service_database_url, pool_size=2)
    units = UnitOfWorkFactory(PostgresEventStore(engine), projectors=projectors)
    deps = c.Deps(KeyRing.from_text(settings.grievance_master_secret))
    officer = EventMetadata(actor="demo-officer")
    try:
        async with units.begin() as uow:
            if await uow.adapter(CaseReads).search(region=None, status=None, kind=None, limit=1, offset=0):
                return  # loaded already
        async with units.begin(EventMetadata(actor="public")) as uow:
            await c.submit(uow, deps, CaseSubmit(
                kind="sanggah", category="inclusion", region_code="32.73.01.1001", subject_ref=_ref("hh-1"),
                anonymous=True, details=Details(description="Keluarga ini memiliki dua mobil dan toko besar.")),
                channel="public", by="public")
        async with units.begin(officer) as uow:
            paid = await c.submit(uow, deps, CaseSubmit(
                kind="payment_complaint", category="not_received", region_code="35.07.02.2003",
                subject_ref=_ref("payment-1"), details=Details(description="Bantuan PKH bulan lalu belum masuk.",
                                                              names=["Siti Contoh"]),
                reporter=Reporter(name="Siti Contoh", phone="081200000001")), channel="officer", by="demo-officer")
            pid = UUID(paid["id"])
            await c.triage(uow, pid, Triage(officer="demo-officer"), "demo-officer")
            await c.investigate(uow, pid, Investigate(), "demo-officer")
            await c.attach_evidence(uow, pid, Evidence(sha256="9f" * 32, media_type="image/jpeg"), "demo-officer")
            fix = await c.submit(uow, deps, CaseSubmit(
                kind="data_correction", category="member_died", region_code="73.71.03.1002",
                subject_ref=_ref("hh-2"), details=Details(description="Kakek Budi Contoh meninggal bulan Mei.")),
                channel="officer", by="demo-officer")
            fid = UUID(fix["id"])
            await c.triage(uow, fid, Triage(officer="demo-officer"), "demo-officer")
            await c.investigate(uow, fid, Investigate(), "demo-officer")
            await c.propose(uow, fid, Proposal(outcome="rejected", reason_code="already_correct"), "demo-officer")
            await c.decide(uow, fid, "demo-officer")
            await c.close(uow, fid, "demo-officer")
            usul = await c.submit(uow, deps, CaseSubmit(
                kind="usul", category="registration", region_code="53.71.04.1001",
                details=Details(description="Janda lansia tinggal sendiri, belum terdaftar di DTSEN.")),
                channel="officer", by="demo-officer")
            uid = UUID(usul["id"])
            await c.triage(uow, uid, Triage(officer="demo-officer"), "demo-officer")
            await c.investigate(uow, uid, Investigate(), "demo-officer")
            await c.propose(uow, uid, Proposal(outcome="upheld", reason_code="verified_in_field"), "demo-officer")
        await load_history(units.store, projectors, deps, datetime.now(UTC))
    finally:
        await engine.dispose()
