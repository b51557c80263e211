"""The randomized ledger run in miniature (a few hundred operations, several seeds): after every operation
the books balance, no limited account is overdrawn and every balance equals its recomputation from the
transfers. Fast enough to judge each mutant of the ledger in the mutation job."""

import random
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from csr_ledger.domain.ledger import Account, AccountFlags, LedgerState, Transfer, recompute

from .test_ledger_randomized import random_transfer

START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("seed", [1, 2])
def test_a_few_hundred_mixed_operations_keep_every_invariant(seed):
    rng = random.Random(seed)
    accounts = [Account(uuid4(), "source")] + [
        Account(uuid4(), f"acct{i}", rng.choice([AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS,
                                                 AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS, AccountFlags.NONE]))
        for i in range(6)]
    ledger = LedgerState(accounts)
    ids = [a.id for a in accounts]
    known: list[Transfer] = []
    pendings: list[Transfer] = []
    now = START
    for op in range(400):
        now += timedelta(seconds=rng.randint(0, 120))
        if rng.random() < 0.05:
            ledger.expire_pending(now)
        else:
            batch = random_transfer(rng, ids, known, pendings)
            if rng.random() < 0.2:
                batch = [Transfer(uuid4(), ids[0], rng.choice(ids[1:]), rng.randint(1, 2_000_000))]
            outcome = ledger.create_transfers(batch, now)
            assert len(outcome.results) == len(batch)
            known.extend(outcome.created)
            pendings.extend(x for x in outcome.created if x.flags & x.flags.PENDING)
        assert not ledger.check_invariants(), f"after op {op}"
        expected = recompute(ledger.accounts.values(), ledger.transfers.values(), ledger.pending)
        actual = {a.id: (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)
                  for a in ledger.accounts.values()}
        assert actual == expected, f"after op {op}: balances differ from recomputation"
