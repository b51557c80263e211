"""The ledger's rules one by one, on hand-made books."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from csr_ledger.domain.ledger import (
    Account,
    AccountFlags,
    LedgerState,
    PendingState,
    Result,
    Transfer,
    TransferFlags,
)

NOW = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
LIMITED = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS


def books():
    source, fund, program = Account(uuid4(), "bank"), Account(uuid4(), "fund", LIMITED), Account(uuid4(), "prog")
    return LedgerState([source, fund, program]), source.id, fund.id, program.id


def t(dr, cr, amount, **kw) -> Transfer:
    return Transfer(kw.pop("id", uuid4()), dr, cr, amount, **kw)


def test_a_transfer_moves_posted_amounts_on_both_sides():
    ledger, bank, fund, _ = books()
    assert ledger.create_transfers([t(bank, fund, 1_500_000, code="deposit")], NOW).results == [Result.OK]
    assert (ledger.accounts[bank].debits_posted, ledger.accounts[fund].credits_posted) == (1_500_000, 1_500_000)
    assert ledger.accounts[fund].balance == 1_500_000


@pytest.mark.parametrize(("amount", "result"), [(0, Result.AMOUNT_MUST_NOT_BE_ZERO),
                                                 (-1, Result.AMOUNT_MUST_NOT_BE_NEGATIVE)])
def test_amount_must_be_positive(amount, result):
    ledger, bank, fund, _ = books()
    assert ledger.create_transfers([t(bank, fund, amount)], NOW).results == [result]


def test_same_account_both_sides_and_unknown_accounts_are_refused():
    ledger, bank, fund, _ = books()
    outcome = ledger.create_transfers([t(bank, bank, 5), t(uuid4(), fund, 5), t(bank, uuid4(), 5)], NOW)
    assert outcome.results == [Result.ACCOUNTS_MUST_BE_DIFFERENT, Result.DEBIT_ACCOUNT_NOT_FOUND,
                               Result.CREDIT_ACCOUNT_NOT_FOUND]
    assert outcome.created == []


def test_a_limited_account_cannot_go_below_zero_counting_pending():
    ledger, bank, fund, program = books()
    ledger.create_transfers([t(bank, fund, 100)], NOW)
    assert ledger.create_transfers([t(fund, program, 60, flags=TransferFlags.PENDING)], NOW).results == [Result.OK]
    assert ledger.create_transfers([t(fund, program, 41)], NOW).results == [Result.EXCEEDS_CREDITS]
    assert ledger.create_transfers([t(fund, program, 40)], NOW).results == [Result.OK]
    assert ledger.accounts[fund].available == 0


def test_credits_must_not_exceed_debits():
    ledger, bank, _, _ = books()
    capped = Account(uuid4(), "capped", AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS)
    ledger.accounts[capped.id] = capped
    assert ledger.create_transfers([t(bank, capped.id, 1)], NOW).results == [Result.EXCEEDS_DEBITS]


def test_same_id_same_fields_is_exists_other_fields_name_the_field():
    ledger, bank, fund, program = books()
    first = t(bank, fund, 500, code="deposit", reference="BNI-001")
    ledger.create_transfers([first], NOW)
    again = ledger.create_transfers([first, Transfer(first.id, bank, fund, 501, code="deposit", reference="BNI-001"),
                                     Transfer(first.id, bank, program, 500, code="deposit", reference="BNI-001"),
                                     Transfer(first.id, bank, fund, 500, code="grant", reference="BNI-001")], NOW)
    assert again.results == [Result.EXISTS, Result.EXISTS_WITH_DIFFERENT_AMOUNT,
                             Result.EXISTS_WITH_DIFFERENT_CREDIT_ACCOUNT_ID, Result.EXISTS_WITH_DIFFERENT_CODE]
    assert ledger.accounts[fund].credits_posted == 500, "nothing moved twice"


def test_pending_then_post_part_of_it():
    ledger, bank, fund, program = books()
    ledger.create_transfers([t(bank, fund, 1000)], NOW)
    pending = t(fund, program, 800, flags=TransferFlags.PENDING, timeout=3600)
    ledger.create_transfers([pending], NOW)
    post = t(None, None, 500, flags=TransferFlags.POST_PENDING, pending_id=pending.id)
    assert ledger.create_transfers([post], NOW).results == [Result.OK]
    f = ledger.accounts[fund]
    assert (f.debits_pending, f.debits_posted, f.available) == (0, 500, 500)
    assert ledger.pending[pending.id] is PendingState.POSTED
    again = t(None, None, 0, flags=TransferFlags.VOID_PENDING, pending_id=pending.id)
    assert ledger.create_transfers([again], NOW).results == [Result.PENDING_TRANSFER_ALREADY_POSTED]


def test_post_more_than_pending_and_void_a_different_amount_are_refused():
    ledger, bank, fund, program = books()
    ledger.create_transfers([t(bank, fund, 1000)], NOW)
    pending = t(fund, program, 300, flags=TransferFlags.PENDING)
    ledger.create_transfers([pending], NOW)
    outcome = ledger.create_transfers([
        t(None, None, 301, flags=TransferFlags.POST_PENDING, pending_id=pending.id),
        t(None, None, 200, flags=TransferFlags.VOID_PENDING, pending_id=pending.id),
        t(None, None, 0, flags=TransferFlags.POST_PENDING, pending_id=uuid4()),
        t(program, fund, 1, flags=TransferFlags.POST_PENDING, pending_id=pending.id),
    ], NOW)
    assert outcome.results == [Result.EXCEEDS_PENDING_TRANSFER_AMOUNT, Result.PENDING_TRANSFER_HAS_DIFFERENT_AMOUNT,
                               Result.PENDING_TRANSFER_NOT_FOUND,
                               Result.PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID]


def test_void_releases_the_reservation():
    ledger, bank, fund, program = books()
    ledger.create_transfers([t(bank, fund, 1000)], NOW)
    pending = t(fund, program, 1000, flags=TransferFlags.PENDING)
    ledger.create_transfers([pending], NOW)
    assert ledger.accounts[fund].available == 0
    ledger.create_transfers([t(None, None, 0, flags=TransferFlags.VOID_PENDING, pending_id=pending.id)], NOW)
    assert ledger.accounts[fund].available == 1000
    assert ledger.accounts[program].credits_posted == 0


def test_pending_expires_after_its_timeout():
    ledger, bank, fund, program = books()
    ledger.create_transfers([t(bank, fund, 1000)], NOW)
    pending = t(fund, program, 700, flags=TransferFlags.PENDING, timeout=60)
    ledger.create_transfers([pending], NOW)
    assert ledger.expire_pending(NOW + timedelta(seconds=59)).pending_changes == {}
    assert ledger.expire_pending(NOW + timedelta(seconds=60)).pending_changes == {pending.id: PendingState.EXPIRED}
    assert ledger.accounts[fund].available == 1000
    late = t(None, None, 0, flags=TransferFlags.POST_PENDING, pending_id=pending.id)
    assert ledger.create_transfers([late], NOW + timedelta(hours=1)).results == [Result.PENDING_TRANSFER_EXPIRED]


def test_posting_after_the_timeout_expires_it_on_the_spot():
    ledger, bank, fund, program = books()
    ledger.create_transfers([t(bank, fund, 1000)], NOW)
    pending = t(fund, program, 700, flags=TransferFlags.PENDING, timeout=60)
    ledger.create_transfers([pending], NOW)
    outcome = ledger.create_transfers([t(None, None, 0, flags=TransferFlags.POST_PENDING, pending_id=pending.id)],
                                      NOW + timedelta(minutes=5))
    assert outcome.results == [Result.PENDING_TRANSFER_EXPIRED]
    assert outcome.pending_changes == {pending.id: PendingState.EXPIRED}
    assert ledger.accounts[fund].available == 1000


def test_linked_chain_commits_all_or_none():
    ledger, bank, fund, program = books()
    ok_chain = [t(bank, fund, 100, flags=TransferFlags.LINKED), t(fund, program, 100)]
    assert ledger.create_transfers(ok_chain, NOW).results == [Result.OK, Result.OK]
    bad_chain = [t(bank, fund, 50, flags=TransferFlags.LINKED), t(fund, program, 51, flags=TransferFlags.LINKED),
                 t(bank, program, 1)]
    outcome = ledger.create_transfers(bad_chain, NOW)
    assert outcome.results == [Result.LINKED_EVENT_FAILED, Result.EXCEEDS_CREDITS, Result.LINKED_EVENT_FAILED]
    assert outcome.created == []
    assert ledger.accounts[fund].credits_posted == 100, "the first member was rolled back"
    assert bad_chain[0].id not in ledger.transfers


def test_chain_left_open_at_the_end_of_the_batch_fails():
    ledger, bank, fund, _ = books()
    outcome = ledger.create_transfers([t(bank, fund, 5), t(bank, fund, 6, flags=TransferFlags.LINKED)], NOW)
    assert outcome.results == [Result.OK, Result.LINKED_EVENT_CHAIN_OPEN]


def test_mutually_exclusive_flags_and_misplaced_fields():
    ledger, bank, fund, _ = books()
    outcome = ledger.create_transfers([
        t(bank, fund, 5, flags=TransferFlags.PENDING | TransferFlags.POST_PENDING),
        t(bank, fund, 5, pending_id=uuid4()),
        t(bank, fund, 5, timeout=10),
    ], NOW)
    assert outcome.results == [Result.FLAGS_ARE_MUTUALLY_EXCLUSIVE, Result.PENDING_ID_MUST_BE_ZERO,
                               Result.TIMEOUT_RESERVED_FOR_PENDING_TRANSFER]
