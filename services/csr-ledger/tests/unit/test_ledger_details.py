"""Ledger details the rule tests left open: the invariant checker itself (it must name every broken rule),
what a posted or voided reservation stores and reports, and resolving a reservation against the wrong
account or after it was already decided."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from csr_ledger.domain.ledger import Account, AccountFlags, LedgerState, PendingState, Result, Transfer, TransferFlags

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def books() -> tuple[LedgerState, Account, Account, Account]:
    bank = Account(uuid4(), "bank")
    fund = Account(uuid4(), "fund", AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
    other = Account(uuid4(), "other", AccountFlags.CREDITS_MUST_NOT_EXCEED_DEBITS)
    ledger = LedgerState([bank, fund, other])
    assert ledger.create_transfers([Transfer(uuid4(), bank.id, fund.id, 1_000)], NOW).results == [Result.OK]
    return ledger, bank, fund, other


def test_the_checker_names_every_broken_rule():
    ledger, bank, fund, other = books()
    assert ledger.check_invariants() == []
    a, b, c = (ledger.accounts[x.id] for x in (bank, fund, other))
    b.debits_posted += 5_000  # posted debits no longer equal credits, and the fund is overdrawn
    a.credits_pending += 7  # pending debits no longer equal credits
    c.credits_posted += 1  # credits exceed debits on an account that forbids it
    c.debits_pending = -1
    assert ledger.check_invariants() == [
        "posted debits != posted credits", "pending debits != pending credits",
        f"{fund.id}: debits exceed credits", f"{other.id}: negative amount field",
        f"{other.id}: credits exceed debits"]


def test_the_checker_sees_a_pending_debit_or_a_negative_field_alone():
    for field in ("debits_pending", "debits_posted", "credits_pending", "credits_posted"):
        ledger, bank, _, _ = books()
        setattr(ledger.accounts[bank.id], field, getattr(ledger.accounts[bank.id], field) - 10_000)
        assert f"{bank.id}: negative amount field" in ledger.check_invariants(), field
    ledger, _, fund, _ = books()
    ledger.accounts[fund.id].debits_pending += 1_001
    assert f"{fund.id}: debits exceed credits" in ledger.check_invariants()
    ledger, _, _, other = books()
    ledger.accounts[other.id].credits_pending += 1
    assert f"{other.id}: credits exceed debits" in ledger.check_invariants()


def test_posting_part_of_a_reservation_stores_the_reserved_accounts_code_and_time():
    ledger, bank, fund, _ = books()
    reservation = Transfer(uuid4(), fund.id, bank.id, 600, code="allocation", reference="program:p1",
                           flags=TransferFlags.PENDING, timeout=3600)
    assert ledger.create_transfers([reservation], NOW).results == [Result.OK]
    later = NOW + timedelta(minutes=5)
    post = Transfer(uuid4(), None, None, 400, flags=TransferFlags.POST_PENDING | TransferFlags.LINKED,
                    pending_id=reservation.id)
    outcome = ledger.create_transfers([post, Transfer(uuid4(), bank.id, fund.id, 1)], later)
    assert outcome.results == [Result.OK, Result.OK]
    stored = outcome.created[0]
    assert (stored.debit_account_id, stored.credit_account_id, stored.amount, stored.code, stored.timestamp) == (
        fund.id, bank.id, 400, "allocation", later)
    assert not stored.flags & TransferFlags.LINKED
    assert outcome.pending_changes == {reservation.id: PendingState.POSTED}
    assert ledger.pending[reservation.id] is PendingState.POSTED
    f = ledger.accounts[fund.id]
    assert (f.debits_pending, f.debits_posted) == (0, 400)
    again = ledger.create_transfers([Transfer(uuid4(), None, None, 0, flags=TransferFlags.VOID_PENDING,
                                              pending_id=reservation.id)], later)
    assert again.results == [Result.PENDING_TRANSFER_ALREADY_POSTED]


def test_a_reservation_is_resolved_only_against_its_own_accounts():
    ledger, bank, fund, other = books()
    reservation = Transfer(uuid4(), fund.id, bank.id, 600, flags=TransferFlags.PENDING)
    ledger.create_transfers([reservation], NOW)
    wrong_credit = Transfer(uuid4(), None, other.id, 0, flags=TransferFlags.POST_PENDING, pending_id=reservation.id)
    wrong_debit = Transfer(uuid4(), bank.id, None, 0, flags=TransferFlags.POST_PENDING, pending_id=reservation.id)
    right = Transfer(uuid4(), fund.id, bank.id, 0, flags=TransferFlags.VOID_PENDING, pending_id=reservation.id)
    assert ledger.create_transfers([wrong_credit], NOW).results == [
        Result.PENDING_TRANSFER_HAS_DIFFERENT_CREDIT_ACCOUNT_ID]
    assert ledger.create_transfers([wrong_debit], NOW).results == [
        Result.PENDING_TRANSFER_HAS_DIFFERENT_DEBIT_ACCOUNT_ID]
    assert ledger.create_transfers([right], NOW).results == [Result.OK]
    assert ledger.pending[reservation.id] is PendingState.VOIDED
    plain = Transfer(uuid4(), bank.id, fund.id, 5)
    ledger.create_transfers([plain], NOW)
    assert ledger.create_transfers([Transfer(uuid4(), None, None, 0, flags=TransferFlags.POST_PENDING,
                                             pending_id=plain.id)], NOW).results == [
        Result.PENDING_TRANSFER_NOT_PENDING]


def test_a_failed_link_fails_the_whole_chain_with_the_reason_for_each():
    ledger, bank, fund, _ = books()
    chain = [Transfer(uuid4(), bank.id, fund.id, 10, flags=TransferFlags.LINKED),
             Transfer(uuid4(), fund.id, bank.id, 10**9)]
    outcome = ledger.create_transfers(chain, NOW)
    assert outcome.results == [Result.LINKED_EVENT_FAILED, Result.EXCEEDS_CREDITS]
    assert outcome.created == []
    assert ledger.accounts[fund.id].credits_posted == 1_000


def test_expiring_with_nothing_pending_changes_nothing():
    ledger, *_ = books()
    outcome = ledger.expire_pending(NOW + timedelta(days=1))
    assert (outcome.results, outcome.created, outcome.pending_changes) == ([], [], {})


def test_credits_may_reach_the_debits_exactly_but_not_pass_them():
    ledger, bank, _, other = books()
    ledger.create_transfers([Transfer(uuid4(), other.id, bank.id, 300)], NOW)  # other: 300 debited
    assert ledger.create_transfers([Transfer(uuid4(), bank.id, other.id, 301)], NOW).results == [
        Result.EXCEEDS_DEBITS]
    assert ledger.create_transfers([Transfer(uuid4(), bank.id, other.id, 300)], NOW).results == [Result.OK]


def test_a_failed_chain_leaves_the_next_chain_and_single_transfers_alone():
    ledger, bank, fund, _ = books()
    failing = [Transfer(uuid4(), bank.id, fund.id, 5, flags=TransferFlags.LINKED),
               Transfer(uuid4(), fund.id, bank.id, 10**9)]
    fine = [Transfer(uuid4(), bank.id, fund.id, 7, flags=TransferFlags.LINKED),
            Transfer(uuid4(), bank.id, fund.id, 8)]
    single = Transfer(uuid4(), bank.id, fund.id, 9)
    outcome = ledger.create_transfers([*failing, *fine, single], NOW)
    assert outcome.results == [Result.LINKED_EVENT_FAILED, Result.EXCEEDS_CREDITS, Result.OK, Result.OK, Result.OK]
    assert [t.amount for t in outcome.created] == [7, 8, 9]
    assert all(not t.flags & TransferFlags.LINKED for t in outcome.created), "stored without the chain flag"
    assert ledger.accounts[fund.id].credits_posted == 1_000 + 7 + 8 + 9


def test_a_new_reservation_is_reported_pending():
    ledger, bank, fund, _ = books()
    reservation = Transfer(uuid4(), fund.id, bank.id, 10, flags=TransferFlags.PENDING)
    outcome = ledger.create_transfers([reservation], NOW)
    assert outcome.pending_changes == {reservation.id: PendingState.PENDING}
    assert ledger.pending[reservation.id] is PendingState.PENDING
