"""The ledger's read tables are projections of its event store: after companies, pledges, deposits, allocations
(approved at once, approved by a second officer, rejected, expired), spending from two funders oldest first and a
return, `gotong csr rebuild` empties them and replays the store into exactly the same rows. So does a random run
of ledger batches (linked chains, reservations posted, voided and expired)."""

import random
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from click.testing import CliRunner
from gotong_contracts.disbursement import PaymentRecorded, ProgramDefined

from csr_ledger.application import commands as c
from csr_ledger.application.ledger import create_transfers, expire_pending, open_accounts, recompute_from_events
from csr_ledger.bootstrap import PROJECTORS, REBUILT, TABLES
from csr_ledger.domain.ledger import Account, AccountFlags, Result, Transfer, TransferFlags
from csr_ledger.entrypoints.cli import csr, rebuild_read_tables
from gotong.adapters.sql import Database
from gotong.application.rebuild import rebuild
from gotong.application.uow import UnitOfWorkFactory
from gotong.domain.clock import FixedClock
from gotong.eventstore import EventMetadata
from gotong.eventstore.postgres import PostgresEventStore

T0 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
META = EventMetadata(actor="ops-1")


async def snapshot(database: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every read table's rows in a stable order; ledger transfers in their `seq` order (the statement's order),
    without `seq` itself (an identity the rebuild numbers anew)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    async with database.read() as sql:
        for table in TABLES:
            if table == "ledger_transfers":
                rows = await sql.fetch("SELECT * FROM ledger_transfers ORDER BY seq")
                out[table] = [tuple(v for k, v in r.items() if k != "seq") for r in rows]
            else:
                rows = await sql.fetch(f"SELECT * FROM {table}")  # noqa: S608 - our own table names
                out[table] = sorted((tuple(r.values()) for r in rows), key=repr)
    return out


def payment(pid: str, status: str, allocation: str, amount: int, program: str, attempt: int = 1) -> PaymentRecorded:
    return PaymentRecorded(
        payment_id=pid, household_ref=f"hh_{pid}", program_id=f"pid-{program}", program_code=program, cycle_id="c1",
        period="2026-Q4", amount=amount, region_code="32.73.01.1001", province_code="32", regency_code="32.73",
        desil=2, funding_source="csr", csr_allocation_id=allocation, status=status,  # type: ignore[arg-type]
        occurred_at="2026-11-30T08:00:00Z", attempt=attempt)


async def test_rebuild_gives_back_the_same_read_tables(engine):
    clock = FixedClock(T0)
    units = UnitOfWorkFactory(PostgresEventStore(engine), projectors=PROJECTORS, clock=clock)
    database = Database(engine)
    program = "CSR-PANGAN-JABAR"

    async def run(fn: Any, *args: Any, actor: str = "ops-1") -> Any:
        async with units.begin(EventMetadata(actor=actor)) as uow:
            return await fn(uow, *args)

    async with units.begin(EventMetadata(actor="consumer:disbursement")) as uow:
        await c.record_program(uow, ProgramDefined(
            program_id=f"pid-{program}", code=program, name="Pangan", funding_source="csr",
            eligibility_summary="desil 1-4", rule_version="1", occurred_at="2026-11-29T08:00:00+00:00"))
    companies = []
    for i, nib in enumerate(("9120001111111", "9120002222222")):
        company = await run(c.register_company, c.RegisterCompany(
            name=f"PT Uji {i}", nib=nib, npwp="01.234.567.8-901.000", sector="energi", tjsl_mandatory=True))
        cid = UUID(company["id"])
        companies.append(cid)
        await run(c.make_pledge, cid, c.MakePledge(year=2026, amount=5_000_000, themes=["pangan"], sdgs=[2],
                                                   regions=["32"]))
        deposit = c.RecordDeposit(amount=3_000_000, reference=f"BNI-{i}", transfer_id=uuid4())
        assert (await run(c.record_deposit, cid, deposit))["result"] == "ok"
        assert (await run(c.record_deposit, cid, deposit))["result"] == "exists"
        clock.advance(seconds=1)

    def allocate(kind: str, amount: int, target: str = program.lower()) -> c.RequestAllocation:
        return c.RequestAllocation(target_kind=kind, target_id=target, target_name="Pangan", amount=amount,
                                   sdgs=[2, 12], region="32")

    first = await run(c.request_allocation, companies[0], allocate("program", 500_000), "ops-1", 1_000_000, 3600)
    clock.advance(seconds=1)
    second = await run(c.request_allocation, companies[1], allocate("program", 2_000_000), "ops-1", 1_000_000, 3600)
    assert (first["status"], second["status"]) == ("approved", "pending_approval")
    assert (await run(c.decide_allocation, UUID(second["id"]), "sup-b", True, actor="sup-b"))["status"] == "approved"
    rejected = await run(c.request_allocation, companies[0], allocate("project", 1_500_000, "tpst"), "ops-1",
                         1_000_000, 3600)
    assert (await run(c.decide_allocation, UUID(rejected["id"]), "sup-b", False))["status"] == "rejected"
    expiring = await run(c.request_allocation, companies[0], allocate("enterprise", 1_200_000, "koperasi"), "ops-1",
                         1_000_000, 60)
    clock.advance(seconds=61)
    await run(c.expire_allocations)

    async def spend(*records: PaymentRecorded) -> list[Result | None]:
        return [await run(c.record_spending, r, actor="consumer:disbursement") for r in records]

    # 400k from the first allocation; then 300k: 100k from the first (what is left), 200k from the second.
    assert await spend(payment("p1", "paid", first["id"], 400_000, program),
                       payment("p2", "paid", first["id"], 300_000, program),
                       payment("p2", "paid", first["id"], 300_000, program)) == [Result.OK, Result.OK, Result.EXISTS]
    # p2 comes back (each part to the allocation that paid it), is reissued and paid again, from the same two.
    assert await spend(payment("p2", "returned", first["id"], 300_000, program),
                       payment("p2", "paid", first["id"], 300_000, program, attempt=2)) == [Result.OK, Result.OK]

    before = await snapshot(database)
    async with database.read() as sql:
        statuses = {r["id"]: r["status"] for r in await sql.fetch("SELECT id, status FROM allocations")}
        parts = await sql.fetch("SELECT attempt, part, amount, status FROM spending WHERE payment_id = 'p2' "
                                "ORDER BY attempt, part")
    assert statuses[UUID(expiring["id"])] == "expired"
    assert [tuple(r) for r in parts] == [(1, 0, 100_000, "returned"), (1, 1, 200_000, "returned"),
                                         (2, 0, 100_000, "paid"), (2, 1, 200_000, "paid")]
    assert all(before[t] for t in TABLES), "every read table has rows to rebuild"

    done = await rebuild_read_tables(str(engine.url.render_as_string(hide_password=False)))
    assert done.tables == TABLES
    assert done.events > 40
    assert done.aggregates == {"allocation": 4}
    assert await snapshot(database) == before
    async with units.begin() as uow:
        assert await recompute_from_events(uow) == []


async def test_a_random_ledger_run_rebuilds_to_the_same_rows(engine):
    units = UnitOfWorkFactory(PostgresEventStore(engine), projectors=PROJECTORS)
    database = Database(engine)
    rng = random.Random(13)
    accounts = [Account(uuid4(), "source")] + [
        Account(uuid4(), f"a{i}", AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS if i % 2 else AccountFlags.NONE)
        for i in range(6)]
    async with units.begin() as uow:
        await open_accounts(uow, [(a, a.code, None) for a in accounts])
    ids = [a.id for a in accounts]
    pendings: list[Transfer] = []
    now = T0
    for round_ in range(40):
        now += timedelta(seconds=rng.randint(1, 90))
        batch: list[Transfer] = []
        for _ in range(rng.randint(3, 25)):
            if pendings and rng.random() < 0.25:
                p = rng.choice(pendings)
                batch.append(Transfer(uuid4(), None, None, rng.choice([0, p.amount // 2 or 1]), pending_id=p.id,
                                      flags=rng.choice([TransferFlags.POST_PENDING, TransferFlags.VOID_PENDING])))
                continue
            dr, cr = rng.sample(ids, 2)
            flags = TransferFlags.PENDING if rng.random() < 0.3 else TransferFlags.NONE
            if batch and rng.random() < 0.15:
                last = batch[-1]
                batch[-1] = Transfer(last.id, last.debit_account_id, last.credit_account_id, last.amount, last.code,
                                     last.reference, last.flags | TransferFlags.LINKED, last.pending_id, last.timeout)
            batch.append(Transfer(uuid4(), dr, cr, rng.randint(1, 3_000_000), code="random", flags=flags,
                                  timeout=60 if flags else 0))
        async with units.begin() as uow:
            outcome = await create_transfers(uow, batch, now)
            if round_ % 5 == 0:
                await expire_pending(uow, now)
        pendings.extend(t for t in outcome.created if t.flags & TransferFlags.PENDING)
    before = await snapshot(database)
    assert len(before["ledger_transfers"]) > 200
    await rebuild(database, PROJECTORS, REBUILT)
    assert await snapshot(database) == before


def test_the_cli_names_its_rebuild_command():
    result = CliRunner().invoke(csr, ["rebuild", "--help"])
    assert result.exit_code == 0
    assert "event store" in result.output
