"""An allocation an earlier release requested (its `AllocationDecided` v1 named neither maker nor reservation; its
row did) is decided by today's code under the same four eyes: the maker is refused, another officer approves,
the row keeps its maker, the published payload has the contract's shape, and a rebuild gives the same rows."""

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from gotong_contracts.csr_ledger import AllocationDecided

from csr_ledger.application import commands as c
from csr_ledger.application.ledger import create_transfers, open_accounts
from csr_ledger.application.publishing import publish_contract
from csr_ledger.bootstrap import PROJECTORS, REBUILT
from csr_ledger.domain import funds
from csr_ledger.domain.ledger import Transfer, TransferFlags
from gotong.adapters.sql import Database
from gotong.application.rebuild import rebuild
from gotong.application.uow import UnitOfWorkFactory
from gotong.domain.errors import Forbidden
from gotong.eventstore import EventData, EventMetadata
from gotong.eventstore.postgres import PostgresEventStore


async def test_an_allocation_requested_by_an_earlier_release_is_decided_under_four_eyes(engine):
    store = PostgresEventStore(engine)
    units = UnitOfWorkFactory(store, projectors=PROJECTORS)
    async with units.begin(EventMetadata(actor="ops-1")) as uow:
        company = await c.register_company(uow, c.RegisterCompany(
            name="PT Lama", nib="9120003333333", npwp="012345678901000", sector="energi", tjsl_mandatory=True))
        cid = UUID(company["id"])
        await c.record_deposit(uow, cid, c.RecordDeposit(amount=5_000_000, reference="BNI-1"))
    allocation_id, transfer_id, now = uuid4(), uuid4(), datetime(2026, 11, 1, tzinfo=UTC)
    account = funds.allocation_account(allocation_id)
    v1 = AllocationDecided(allocation_id=str(allocation_id), company_id=str(cid), target_kind="project",
                           target_id="tpst", target_name="TPST", amount=2_000_000, sdgs=[11], region="35",
                           status="pending_approval", occurred_at=now.isoformat()).model_dump(mode="json")
    async with units.begin(EventMetadata(actor="ops-1")) as uow:  # what the earlier release wrote
        await open_accounts(uow, [(account, "TPST", cid)])
        await create_transfers(uow, [Transfer(transfer_id, funds.fund_account(cid).id, account.id, 2_000_000,
                                              code="allocation", reference="project:tpst",
                                              flags=TransferFlags.PENDING, timeout=10**8)])
        await uow.append(allocation_id, "allocation", 0, [EventData("AllocationDecided", v1, 1)])
        await uow.sql.execute(
            "INSERT INTO allocations (id, company_id, target_kind, target_id, target_name, amount, sdgs, region, "
            "status, account_id, transfer_id, maker, created_at) VALUES ($1, $2, 'project', 'tpst', 'TPST', "
            "2000000, '{11}', '35', 'pending_approval', $3, $4, 'ops-1', $5)",
            allocation_id, cid, account.id, transfer_id, now)

    with pytest.raises(Forbidden):
        async with units.begin(EventMetadata(actor="ops-1")) as uow:
            await c.decide_allocation(uow, allocation_id, "ops-1", True)
    async with units.begin(EventMetadata(actor="sup-b")) as uow:
        assert await c.decide_allocation(uow, allocation_id, "sup-b", True) == {"id": str(allocation_id),
                                                                               "status": "approved"}
    async with Database(engine).read() as sql:
        row = await sql.fetchrow("SELECT maker, checker, status, transfer_id FROM allocations WHERE id = $1",
                                 allocation_id)
        balance = await sql.fetchval("SELECT credits_posted FROM ledger_accounts WHERE id = $1", account.id)
    assert tuple(row) == ("ops-1", "sup-b", "approved", transfer_id)
    assert balance == 2_000_000
    first, decided = await store.load(allocation_id)
    assert publish_contract(first) == ("AllocationDecided", 1, v1)
    published = publish_contract(decided)
    assert published is not None
    assert published[2] == {**v1, "status": "approved", "occurred_at": decided.data["occurred_at"]}
    assert (decided.data["maker"], decided.data["checker"]) == ("ops-1", "sup-b")

    async with Database(engine).read() as sql:
        before = [tuple(r) for r in await sql.fetch("SELECT * FROM allocations ORDER BY id")]
    await rebuild(Database(engine), PROJECTORS, REBUILT)
    async with Database(engine).read() as sql:
        assert [tuple(r) for r in await sql.fetch("SELECT * FROM allocations ORDER BY id")] == before
