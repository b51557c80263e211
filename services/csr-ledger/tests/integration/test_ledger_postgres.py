"""The ledger on PostgreSQL keeps the same invariants under a random run and under concurrent overdraft attempts."""

import asyncio
import random
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from csr_ledger.application.ledger import create_transfers, expire_pending, open_accounts, recompute_from_events
from csr_ledger.bootstrap import PROJECTORS
from csr_ledger.domain.ledger import Account, AccountFlags, Result, Transfer, TransferFlags
from gotong.application.uow import UnitOfWorkFactory
from gotong.eventstore import ConcurrencyError
from gotong.eventstore.postgres import PostgresEventStore


def ledger_units(engine):
    """Units of work over the service's store, with its projectors (the ledger's rows are projections)."""
    return UnitOfWorkFactory(PostgresEventStore(engine), projectors=PROJECTORS)

NOW = datetime(2026, 11, 28, tzinfo=UTC)
LIMITED = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS


async def setup_books(store, n=8):
    accounts = [Account(uuid4(), "source")] + [Account(uuid4(), f"a{i}", LIMITED if i % 2 else AccountFlags.NONE)
                                               for i in range(n)]
    async with store.begin() as tx:
        await open_accounts(tx, [(a, a.code, None) for a in accounts])
    return accounts


async def test_random_batches_keep_books_balanced_and_equal_to_events(engine):
    store = ledger_units(engine)
    accounts = await setup_books(store)
    ids = [a.id for a in accounts]
    rng = random.Random(5)
    created: list[Transfer] = []
    pendings: list[Transfer] = []
    oks = 0
    now = NOW
    for round_ in range(60):
        now += timedelta(seconds=rng.randint(1, 120))
        batch = []
        for _ in range(rng.randint(5, 40)):
            r = rng.random()
            if r < 0.1 and created:
                batch.append(rng.choice(created))  # duplicate
            elif r < 0.25 and pendings:
                p = rng.choice(pendings)
                batch.append(Transfer(uuid4(), None, None, rng.choice([0, p.amount // 2 or 1]),
                                      flags=rng.choice([TransferFlags.POST_PENDING, TransferFlags.VOID_PENDING]),
                                      pending_id=p.id))
            else:
                dr, cr = rng.sample(ids, 2)
                flags = TransferFlags.PENDING if rng.random() < 0.3 else TransferFlags.NONE
                if rng.random() < 0.15 and batch:
                    batch[-1] = Transfer(batch[-1].id, batch[-1].debit_account_id, batch[-1].credit_account_id,
                                         batch[-1].amount, batch[-1].code, batch[-1].reference,
                                         batch[-1].flags | TransferFlags.LINKED, batch[-1].pending_id,
                                         batch[-1].timeout)
                batch.append(Transfer(uuid4(), dr, cr, rng.randint(1, 3_000_000), code="random", flags=flags,
                                      timeout=60 if flags else 0))
        async with store.begin() as tx:
            outcome = await create_transfers(tx, batch, now)
            if round_ % 7 == 0:
                await expire_pending(tx, now)
        created.extend(outcome.created)
        pendings.extend(t for t in outcome.created if t.flags & TransferFlags.PENDING)
        oks += outcome.results.count(Result.OK)
        if round_ % 10 == 9:
            async with store.begin() as tx:
                assert await recompute_from_events(tx) == []
    async with store.begin() as tx:
        assert await recompute_from_events(tx) == []
    assert oks == len(created) > 500


async def test_concurrent_transfers_never_overdraw_one_account(engine):
    store = ledger_units(engine)
    source, fund, target = Account(uuid4(), "bank"), Account(uuid4(), "fund", LIMITED), Account(uuid4(), "prog")
    async with store.begin() as tx:
        await open_accounts(tx, [(a, a.code, None) for a in (source, fund, target)])
        await create_transfers(tx, [Transfer(uuid4(), source.id, fund.id, 1000, code="deposit")], NOW)

    async def spend() -> list:
        for _ in range(20):
            try:
                async with store.begin() as tx:
                    return (await create_transfers(tx, [Transfer(uuid4(), fund.id, target.id, 30, code="spend")],
                                                   NOW)).results
            except ConcurrencyError:
                await asyncio.sleep(0.01)
        raise AssertionError("kept conflicting")

    results = await asyncio.gather(*(spend() for _ in range(50)))
    oks = sum(r == [Result.OK] for r in results)
    assert oks == 33
    assert sum(r == [Result.EXCEEDS_CREDITS] for r in results) == 17
    async with engine.connect() as conn:
        row = (await conn.exec_driver_sql(f"SELECT debits_posted, credits_posted FROM ledger_accounts "
                                          f"WHERE id = '{fund.id}'")).one()
    assert row == (990, 1000)
    async with store.begin() as tx:
        assert await recompute_from_events(tx) == []


async def test_same_transfer_id_sent_concurrently_moves_money_once(engine):
    store = ledger_units(engine)
    source, fund = Account(uuid4(), "bank"), Account(uuid4(), "fund", LIMITED)
    async with store.begin() as tx:
        await open_accounts(tx, [(a, a.code, None) for a in (source, fund)])
    transfer = Transfer(uuid4(), source.id, fund.id, 777, code="deposit", reference="BNI-77")

    async def send() -> Result:
        for _ in range(10):
            try:
                async with store.begin() as tx:
                    return (await create_transfers(tx, [transfer], NOW)).results[0]
            except ConcurrencyError:
                continue
        raise AssertionError("kept conflicting")

    results = await asyncio.gather(*(send() for _ in range(8)))
    assert sorted(results) == sorted([Result.OK] + [Result.EXISTS] * 7)
    async with engine.connect() as conn:
        credited = (await conn.exec_driver_sql(
            f"SELECT credits_posted FROM ledger_accounts WHERE id = '{fund.id}'")).scalar_one()
    assert credited == 777
