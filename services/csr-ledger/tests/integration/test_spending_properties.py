"""Random sequences (Hypothesis) of pay / fail / return / reissue / allocate for one CSR program two companies
fund, applied to the ledger on PostgreSQL as disbursement's records arrive: after each sequence `gotong audit`'s
ledger checks hold (balances are the sums of transfers, nothing overdrawn, every spending row has its transfer,
CSR spending per program equals the money the payments left with households), and each company is charged no
more than it allocated, the two together exactly what was paid."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import asyncpg
from gotong_contracts.disbursement import PaymentRecorded
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csr_ledger.application.commands import (
    RecordDeposit,
    RegisterCompany,
    RequestAllocation,
    record_deposit,
    record_spending,
    register_company,
    request_allocation,
)
from csr_ledger.bootstrap import PROJECTORS
from csr_ledger.domain.funds import LedgerRefused
from gotong.application.uow import UnitOfWorkFactory
from gotong.audit import Audit, _ledger
from gotong.db import create_engine
from gotong.eventstore import EventMetadata
from gotong.eventstore.postgres import PostgresEventStore

META = EventMetadata(actor="property-test")
AMOUNTS = [100_000, 250_000, 400_000]
#: `next` moves one payment along its life: instructed → paid (or failed, 1 in 4), paid → returned,
#: failed/returned → reissued (a new attempt, instructed). So histories reach reissues and second payouts often.
step = st.one_of(
    st.tuples(st.just("new"), st.sampled_from(AMOUNTS)),
    st.tuples(st.just("next"), st.integers(0, 7), st.integers(0, 3)),
    st.tuples(st.just("next"), st.integers(0, 7), st.integers(0, 3)),
    st.tuples(st.just("allocate"), st.sampled_from([0, 1]), st.sampled_from([300_000, 700_000])),
)
#: Per database (one per test run, shared by its examples): what every program's payments left with households.
EXPECTED: dict[str, dict[str, int]] = defaultdict(dict)


@dataclass
class Payment:
    id: str
    amount: int
    attempt: int = 1
    status: str = "instructed"


async def _company(store: UnitOfWorkFactory, n: int) -> UUID:
    nib = f"{uuid4().int % 10**13:013d}"
    async with store.begin(META) as tx:
        c = await register_company(tx, RegisterCompany(name=f"PT Uji {n}", nib=nib, npwp="012345678901000",
                                                       sector="energi", tjsl_mandatory=True))
        await record_deposit(tx, UUID(c["id"]), RecordDeposit(amount=10_000_000, reference=f"dep-{nib}"))
    return UUID(c["id"])


async def _allocate(store: UnitOfWorkFactory, company: UUID, target: str, amount: int) -> str:
    async with store.begin(META) as tx:
        a = await request_allocation(tx, company, RequestAllocation(
            target_kind="program", target_id=target, target_name="Pangan", amount=amount), "maker",
            threshold=100_000_000, approval_timeout_s=3600)
    return str(a["id"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(step, min_size=1, max_size=25))
def test_random_payment_histories_keep_the_audit_green(database_url, steps):
    # Each example on its own event loop and engine, independent of the session's.
    asyncio.run(_history(database_url, steps))


async def _history(database_url: str, steps: list[tuple[Any, ...]]) -> None:
    engine = create_engine(database_url, pool_size=2)
    try:
        await _run(UnitOfWorkFactory(PostgresEventStore(engine), projectors=PROJECTORS), database_url, steps)
    finally:
        await engine.dispose()


async def _run(store: UnitOfWorkFactory, database_url: str, steps: list[tuple[Any, ...]]) -> None:
    program = f"CSR-PROP-{uuid4().hex[:8].upper()}"
    companies = [await _company(store, 1), await _company(store, 2)]
    first = await _allocate(store, companies[0], program.lower(), 500_000)
    allocated = {companies[0]: 500_000, companies[1]: 0}
    payments: list[Payment] = []
    paid_net = 0

    async def send(p: Payment, status: str) -> bool:
        record = PaymentRecorded(
            payment_id=p.id, household_ref=f"hh_{p.id[:8]}", program_id=program, program_code=program,
            cycle_id="c1", period="2026-Q4", amount=p.amount, region_code="32.73.01.1001", province_code="32",
            regency_code="32.73", desil=1, funding_source="csr", csr_allocation_id=first, status=status,  # type: ignore[arg-type]
            occurred_at="2026-11-30T08:00:00Z", attempt=p.attempt)
        try:
            for _ in range(2):  # every record delivered twice
                async with store.begin(META) as tx:
                    await record_spending(tx, record)
        except LedgerRefused:
            return False
        return True

    for s in steps:
        if s[0] == "new":
            payments.append(Payment(str(uuid4()), s[1]))
        elif s[0] == "allocate":
            await _allocate(store, companies[s[1]], program.lower(), s[2])
            allocated[companies[s[1]]] += s[2]
        elif payments:
            p = payments[s[1] % len(payments)]
            if p.status == "instructed" and s[2]:
                room = sum(allocated.values()) - paid_net
                booked = await send(p, "paid")
                assert booked == (p.amount <= room), (p.amount, room)
                if booked:
                    p.status, paid_net = "paid", paid_net + p.amount
            elif p.status == "instructed":
                assert await send(p, "failed")
                p.status = "failed"
            elif p.status == "paid":
                assert await send(p, "returned")
                p.status, paid_net = "returned", paid_net - p.amount
            else:  # failed or returned: ops reissue it
                p.attempt, p.status = p.attempt + 1, "instructed"
    EXPECTED[database_url][program] = paid_net

    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        audit = Audit(None)
        spent = await _ledger(audit, conn, {"per_csr_program": EXPECTED[database_url]})
        assert audit.mismatches == [], audit.mismatches
        charged = {c: int(await conn.fetchval(
            "SELECT coalesce(sum(amount) FILTER (WHERE status = 'paid'), 0) FROM spending WHERE company_id = $1",
            c)) for c in companies}
    finally:
        await conn.close()
    assert sum(charged.values()) == paid_net, "the companies were charged exactly what households kept"
    for c in companies:
        assert 0 <= charged[c] <= allocated[c], (charged, allocated)
    assert spent.get("PT Uji 1", 0) >= charged[companies[0]]  # names repeat across examples: totals only grow
