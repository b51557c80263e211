"""10,000 random operations; after every one the books balance and no limited account is overdrawn; every 25th
(and the last) also checks each balance against its recomputation from the transfers."""

import random
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from csr_ledger.domain.ledger import (
    Account,
    AccountFlags,
    LedgerState,
    PendingState,
    Result,
    Transfer,
    TransferFlags,
    recompute,
)

START = datetime(2026, 1, 1, tzinfo=UTC)


def random_transfer(rng: random.Random, ids: list[UUID], known: list[Transfer],
                    pendings: list[Transfer]) -> list[Transfer]:
    kind = rng.random()
    if kind < 0.08 and known:  # duplicate, same fields
        return [rng.choice(known)]
    if kind < 0.14 and known:  # duplicate, another amount
        dup = rng.choice(known)
        return [Transfer(dup.id, dup.debit_account_id, dup.credit_account_id, dup.amount + 1, dup.code,
                         dup.reference, dup.flags, dup.pending_id, dup.timeout)]
    if kind < 0.30 and pendings:
        p = rng.choice(pendings)
        flag = rng.choice([TransferFlags.POST_PENDING, TransferFlags.VOID_PENDING])
        amount = rng.choice([0, p.amount, max(1, p.amount // 2), p.amount + 1])
        return [Transfer(uuid4(), None, None, amount, flags=flag, pending_id=p.id)]
    if kind < 0.42:  # a linked chain of 2-4
        n = rng.randint(2, 4)
        chain = []
        for i in range(n):
            dr, cr = rng.sample(ids, 2)
            chain.append(Transfer(uuid4(), dr, cr, rng.randint(1, 50_000), code="chain",
                                  flags=TransferFlags.LINKED if i < n - 1 else TransferFlags.NONE))
        return chain
    dr, cr = rng.sample(ids, 2)
    amount = rng.choice([rng.randint(1, 100_000), rng.randint(100_000, 5_000_000), 0])  # big ones overdraw
    if rng.random() < 0.3:
        return [Transfer(uuid4(), dr, cr, amount, flags=TransferFlags.PENDING, timeout=rng.choice([0, 60, 3600]))]
    return [Transfer(uuid4(), dr, cr, amount, code="single")]


def test_ten_thousand_mixed_operations_keep_every_invariant():
    rng = random.Random(20261128)
    accounts = [Account(uuid4(), "source")] + [
        Account(uuid4(), f"acct{i}", rng.choice([AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS,
                                                 AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS, AccountFlags.NONE]))
        for i in range(12)]
    ledger = LedgerState(accounts)
    ids = [a.id for a in accounts]
    known: list[Transfer] = []
    pendings: list[Transfer] = []
    now = START
    seen = dict.fromkeys(Result, 0)
    ops = 0
    while ops < 10_000:
        now += timedelta(seconds=rng.randint(0, 30))
        if rng.random() < 0.03:
            ledger.expire_pending(now)
        else:
            batch = random_transfer(rng, ids, known, pendings)
            if rng.random() < 0.2:  # funding keeps limited accounts busy rather than empty
                batch = [Transfer(uuid4(), ids[0], rng.choice(ids[1:]), rng.randint(1, 2_000_000))]
            before = {t.id for t in known}
            outcome = ledger.create_transfers(batch, now)
            for transfer, result in zip(batch, outcome.results, strict=True):
                seen[result] += 1
                if transfer.id in before and result is Result.OK:
                    raise AssertionError("a known transfer id was created twice")
            known.extend(outcome.created)
            pendings.extend(x for x in outcome.created if x.flags & TransferFlags.PENDING)
        ops += 1
        problems = ledger.check_invariants()
        assert not problems, f"after op {ops}: {problems}"
        if ops % 25 and ops != 10_000:
            continue  # recomputing from every transfer is O(n); every 25th operation and the last suffice
        expected = recompute(ledger.accounts.values(), ledger.transfers.values(), ledger.pending)
        actual = {a.id: (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)
                  for a in ledger.accounts.values()}
        assert actual == expected, f"after op {ops}: balances differ from recomputation"
    # The run exercised what it claims to.
    for result in (Result.OK, Result.EXISTS, Result.EXISTS_WITH_DIFFERENT_AMOUNT, Result.EXCEEDS_CREDITS,
                   Result.EXCEEDS_DEBITS, Result.LINKED_EVENT_FAILED, Result.PENDING_TRANSFER_ALREADY_POSTED,
                   Result.PENDING_TRANSFER_ALREADY_VOIDED, Result.EXCEEDS_PENDING_TRANSFER_AMOUNT,
                   Result.AMOUNT_MUST_NOT_BE_ZERO):
        assert seen[result] > 0, f"never saw {result}"
    assert PendingState.EXPIRED in ledger.pending.values()
    assert PendingState.POSTED in ledger.pending.values()
