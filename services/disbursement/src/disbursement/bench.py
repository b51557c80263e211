"""`gotong bench disbursement`: one cycle over N eligible households (default 1,000,000) — entitlements
computed, the cycle reviewed and approved, payment instructions issued with one `PaymentRecorded` each —
against a raw COPY of the same rows (entitlements, payments, events). Goal: under 60 s for 1,000,000."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import click
import orjson
from sqlalchemy.engine import make_url

from disbursement.adapters.computation import ENTITLEMENT_COLUMNS, EntitlementComputation
from disbursement.adapters.projections import projectors
from disbursement.adapters.shipped import shipped_programs
from disbursement.application import cycles as cy
from disbursement.application.programs import define_program
from disbursement.domain.eligibility import STILL_PRESENT
from disbursement.fixtures import VILLAGES, copy_households, household_ref
from gotong.application.uow import UnitOfWorkFactory
from gotong.bench.harness import Report, Timer, console, servers
from gotong.bench.harness import Result as Measure
from gotong.db import asyncpg_dsn, create_engine, drop_database
from gotong.eventstore import EventMetadata
from gotong.eventstore.postgres import PostgresEventStore
from gotong.migrations import migrate
from gotong.service import discover_services


def bench_rows(start: int, count: int) -> list[tuple[Any, ...]]:
    rows = []
    for i in range(start, start + count):
        village = VILLAGES[i % 5]  # provinces 32, 35, 53
        p = village.split(".")
        adult = (f'[{{"member_ref": "M-{i}", "age_band": "19-59", "birth_month": "1985-01", "school_level": '
                 '"none", "pregnant": false, "severe_disability": false, "alive": true}]')
        rows.append((household_ref(i), 1, village, ".".join(p[:3]), ".".join(p[:2]), p[0], "verified", 1 + i % 4,
                     "DTSEN-2026.1", "2026-Q3", adult, STILL_PRESENT))
    return rows


async def _raw_copy(url: str, n: int, cycle_id: UUID, program_id: UUID) -> float:
    """COPY the same number of entitlement, payment and event rows into plain copies of the tables."""
    raw = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for table in ("entitlements", "payments", "events"):
            await raw.execute(f"CREATE TABLE raw_{table} (LIKE {table} INCLUDING ALL)")
        now = datetime.now(UTC)
        with Timer() as timer:
            for start in range(0, n, 50_000):
                count = min(50_000, n - start)
                refs = [household_ref(i) for i in range(start, start + count)]
                ents = [(cycle_id, program_id, r, 600_000, "eligible", 0, 2, "DTSEN-2026.1", 1, "32.73.01.1001",
                         "32.73", "32", "2026-Q3") for r in refs]
                pids = [uuid4() for _ in refs]
                pays = [(pid, cycle_id, program_id, r, 600_000, "instructed", 1, 1, "32.73.01.1001",
                         "32.73", "32", 2) for pid, r in zip(pids, refs, strict=True)]
                evs = [(pid, "payment", 1, uuid4(), "PaymentRecorded", 1, orjson.dumps({
                    "payment_id": str(pid), "household_ref": r, "program_id": str(program_id),
                    "program_code": "BPNT", "cycle_id": str(cycle_id), "period": "2026-Q4", "amount": 600_000,
                    "region_code": "32.73.01.1001", "province_code": "32", "regency_code": "32.73", "desil": 2,
                    "funding_source": "apbn", "csr_allocation_id": None, "status": "instructed", "attempt": 1,
                    "occurred_at": now.isoformat()}).decode(), now) for pid, r in zip(pids, refs, strict=True)]
                async with raw.transaction():
                    await raw.copy_records_to_table("raw_entitlements", records=ents, columns=ENTITLEMENT_COLUMNS)
                    await raw.copy_records_to_table("raw_payments", records=pays, columns=(
                        "payment_id", "cycle_id", "program_id", "household_ref", "amount", "status", "attempt",
                        "version", "village_code", "regency_code", "province_code", "desil"))
                    await raw.copy_records_to_table("raw_events", records=evs, columns=(
                        "stream_id", "stream_type", "version", "event_id", "event_type", "schema_version", "data",
                        "occurred_at"))
        return timer.seconds
    finally:
        await raw.close()


async def bench_disbursement(households: int, batch: int) -> Report:
    report = Report("gotong bench disbursement")
    with servers() as srv:
        url = make_url(srv.database_url).set(database=f"bench_disb_{uuid4().hex[:8]}").render_as_string(False)
        await migrate(discover_services()["disbursement"], url)
        engine = create_engine(url, pool_size=4)
        try:
            store = PostgresEventStore(engine)
            database = store.database
            units = UnitOfWorkFactory(store, projectors=projectors)
            meta, checker = EventMetadata(actor="bench-officer"), EventMetadata(actor="bench-supervisor")
            bpnt = next(p for p in shipped_programs() if p.code == "BPNT")
            bpnt = bpnt.model_copy(update={"budget": households * 600_000 * 2})
            async with units.begin(meta) as uow:
                program = await define_program(uow, bpnt)
            console.print(f"loading {households:,} households into the replica (COPY, not timed) ...")
            started = time.perf_counter()
            for start in range(0, households, 100_000):
                async with database.transaction() as sql:
                    await copy_households(sql, bench_rows(start, min(100_000, households - start)))
            async with database.statement() as sql:
                await sql.execute("ANALYZE households")
            console.print(f"  loaded in {time.perf_counter() - started:.1f}s")
            steps: dict[str, float] = {}
            with Timer() as total:
                with Timer() as t:
                    async with units.begin(meta) as uow:
                        view = await cy.open_cycle(uow, "BPNT", "2026-Q4", date(2026, 10, 1), "bench-officer")
                    cid = UUID(view["cycle_id"])
                    computed = await cy.compute(units, EntitlementComputation(database), cid, "bench-officer", meta,
                                                batch=batch)
                steps["compute"] = t.seconds
                with Timer() as t:
                    async with units.begin(meta) as uow:
                        await cy.review(uow, cid, "bench-reviewer", None)
                    async with units.begin(checker) as uow:
                        await cy.approve(uow, cid, "bench-supervisor")
                steps["review + approve"] = t.seconds
                with Timer() as t:
                    async with units.begin(meta) as uow:
                        paid = await cy.instruct(uow, cid, "bench-officer")
                steps["instruct"] = t.seconds
            assert computed["households"] == households, computed
            assert paid["instructed_now"] == households, paid
            for name, seconds in steps.items():
                console.print(f"  {name}: {seconds:.2f}s")
            report.add(Measure("cycle: compute + approve + instruct", households, total.seconds, "households"))
            raw_seconds = await _raw_copy(url, households, cid, UUID(program["program_id"]))
            report.add(Measure("raw COPY of the same rows (entitlements, payments, events)", households,
                               raw_seconds, "households"))
            async with database.read() as d:
                dupes = await d.fetchval("SELECT count(*) FROM (SELECT household_ref FROM payments GROUP BY 1 "
                                         "HAVING count(*) > 1) x")
                events = await d.fetchval("SELECT count(*) FROM events WHERE event_type = 'PaymentRecorded'")
            console.print(f"  payments per household > 1: {dupes}; PaymentRecorded events: {events:,}")
        finally:
            await engine.dispose()
            await drop_database(url)
    report.ratio("cycle / raw COPY", "cycle: compute + approve + instruct",
                 "raw COPY of the same rows (entitlements, payments, events)")
    report.print()
    seconds = report.results["cycle: compute + approve + instruct"].seconds
    if households >= 1_000_000:
        goal = "met" if seconds < 60 else "NOT met"
        console.print(f"goal: 1,000,000 households in < 60 s — {goal} ({households:,} in {seconds:.1f}s)")
    else:
        console.print(f"goal (1,000,000 households in < 60 s) not measured: {households:,} households in "
                      f"{seconds:.1f}s")
    return report


@click.command("disbursement")
@click.option("--households", default=1_000_000, show_default=True)
@click.option("--batch", default=20_000, show_default=True, help="Households evaluated per committed batch.")
def disbursement(households: int, batch: int) -> None:
    """A disbursement cycle over N households (compute, approve, instruct) vs raw COPY of the same rows."""
    asyncio.run(bench_disbursement(households, batch))


if __name__ == "__main__":
    disbursement()
