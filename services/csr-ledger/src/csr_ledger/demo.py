"""Demo data for `gotong up`: CSR from real-sounding Indonesian companies (fictional numbers and NIBs)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from csr_ledger.adapters.desk_tables import Companies
from csr_ledger.application import commands as c
from gotong.application.uow import UnitOfWorkFactory
from gotong.db import create_engine
from gotong.eventstore import EventMetadata
from gotong.eventstore.postgres import PostgresEventStore

COMPANIES = [
    # name, NIB, NPWP, sector, TJSL mandatory (natural-resource sectors, UU 40/2007 art. 74)
    ("PT Tambang Batubara Nusantara Tbk", "8120101234501", "01.100.200.3-091.000", "pertambangan", True),
    ("PT Energi Panas Bumi Jawa", "8120101234502", "01.100.200.4-092.000", "energi", True),
    ("PT Telekomunikasi Desa Digital", "8120101234503", "01.100.200.5-093.000", "telekomunikasi", False),
    ("PT Bank Pembangunan Rakyat Tbk", "8120101234504", "01.100.200.6-094.000", "perbankan", False),
    ("PT Sawit Lestari Kalimantan", "8120101234505", "01.100.200.7-095.000", "perkebunan", True),
]


async def load_demo(settings: Any) -> None:
    from csr_ledger.bootstrap import PROJECTORS

    engine = create_engine(settings.service_database_url, pool_size=2)
    store = PostgresEventStore(engine)
    units = UnitOfWorkFactory(store, projectors=PROJECTORS)
    meta = EventMetadata(actor="demo-loader")
    try:
        async with store.database.read() as sql:
            if await Companies(sql).count():
                return  # loaded already
        for i, (name, nib, npwp, sector, mandatory) in enumerate(COMPANIES):
            async with units.begin(meta) as tx:
                company = await c.register_company(tx, c.RegisterCompany(
                    name=name, nib=nib, npwp=npwp, sector=sector, tjsl_mandatory=mandatory))
                cid = UUID(company["id"])
                await c.make_pledge(tx, cid, c.MakePledge(
                    year=2026, amount=(i + 2) * 2_500_000_000,
                    themes=["pangan", "pendidikan", "lingkungan"][i % 3:],
                    sdgs=[[2, 1], [4, 10], [11, 12], [8, 5], [15, 13]][i],
                    regions=["32", "35", "62", "73", "64"][:i + 1]))
                await c.record_deposit(tx, cid, c.RecordDeposit(amount=(i + 1) * 1_750_000_000,
                                                                reference=f"DEMO-SETORAN-{i + 1:03d}"))
                program = await c.request_allocation(tx, cid, c.RequestAllocation(
                    target_kind="program", target_id="csr-pangan-jabar", target_name="Program Pangan Jawa Barat",
                    amount=(i + 1) * 250_000_000, sdgs=[2], region="32"), "demo-officer",
                    settings.allocation_approval_threshold, settings.allocation_approval_timeout_s)
                if program["status"] == "pending_approval":  # a second officer approves (maker–checker)
                    await c.decide_allocation(tx, UUID(program["id"]), "demo-supervisor", True)
                await c.request_allocation(tx, cid, c.RequestAllocation(
                    target_kind="project", target_id="tpst-surabaya", target_name="TPST Berbasis Teknologi Surabaya",
                    amount=(i + 1) * 600_000_000, sdgs=[11, 12], region="35"), "demo-officer",
                    settings.allocation_approval_threshold, settings.allocation_approval_timeout_s)
    finally:
        await engine.dispose()
