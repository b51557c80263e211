"""The ledger's stored events: payloads earlier releases wrote decode unchanged (upcast where a field was added),
what is published is exactly the contract (no NIB, NPWP, maker or household), the ledger's own events stay
internal, and a batch's transfer streams come out in an order a replay can follow."""

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from gotong_contracts.csr_ledger import EVENTS

from csr_ledger.application.publishing import publish_contract
from csr_ledger.domain import funds
from csr_ledger.domain.events import (
    AllocationDecided,
    CompanyRegistered,
    PendingResolved,
    SpendingRecorded,
    TransferCreated,
    registry,
)
from csr_ledger.domain.ledger import Account, AccountFlags, LedgerState, PendingState, Transfer, TransferFlags
from csr_ledger.domain.transfers import LedgerAccount, LedgerTransfer, recorded
from gotong.domain.errors import InvalidTransition
from gotong.eventstore.model import EventMetadata, RecordedEvent

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
ALLOCATION = str(uuid4())


def stored(event_type: str, data: dict, version: int = 1) -> RecordedEvent:
    return RecordedEvent(stream_id=uuid4(), stream_type="x", version=1, event_id=uuid4(), event_type=event_type,
                         schema_version=version, data=data, occurred_at=NOW, metadata=EventMetadata())


V1 = {
    "CompanyRegistered": {"company_id": str(uuid4()), "name": "PT A", "sector": "energi", "tjsl_mandatory": True,
                          "occurred_at": NOW.isoformat()},
    "AllocationDecided": {"allocation_id": ALLOCATION, "company_id": str(uuid4()), "target_kind": "program",
                          "target_id": "p1", "target_name": "Pangan", "amount": 5, "sdgs": [2], "region": None,
                          "status": "approved", "occurred_at": NOW.isoformat()},
    "SpendingRecorded": {"payment_id": "pay-1", "attempt": 2,
                         "transfer_id": str(funds.spending_transfer_id("pay-1", 2, 1)), "allocation_id": ALLOCATION,
                         "company_id": str(uuid4()), "program_id": "p1", "province_code": "32",
                         "regency_code": "32.73", "amount": 5, "status": "paid", "occurred_at": NOW.isoformat()},
}


def test_payloads_of_earlier_releases_decode_with_what_they_lacked_as_none_or_derived():
    company = registry.decode("CompanyRegistered", 1, V1["CompanyRegistered"])
    assert isinstance(company, CompanyRegistered)
    assert (company.name, company.nib, company.npwp) == ("PT A", None, None)
    allocation = registry.decode("AllocationDecided", 1, V1["AllocationDecided"])
    assert isinstance(allocation, AllocationDecided)
    assert (allocation.status, allocation.maker, allocation.transfer_id) == ("approved", None, None)
    spending = registry.decode("SpendingRecorded", 1, V1["SpendingRecorded"])
    assert isinstance(spending, SpendingRecorded)
    assert (spending.attempt, spending.part, spending.household_ref) == (2, 1, None)
    assert spending.account_id == str(funds.allocation_account(UUID(ALLOCATION)).id)
    oldest = {k: v for k, v in V1["SpendingRecorded"].items() if k not in ("attempt", "transfer_id")}
    first = registry.decode("SpendingRecorded", 1, oldest)
    assert (first.attempt, first.transfer_id, first.part) == (1, None, 0)
    legacy_transfer = {"id": str(uuid4()), "debit_account_id": str(uuid4()), "credit_account_id": str(uuid4()),
                       "amount": 7, "code": "deposit", "reference": "r", "flags": 0, "pending_id": None,
                       "timeout": 0, "timestamp": NOW.isoformat()}
    assert registry.decode("TransferCreated", 1, legacy_transfer).timestamp == NOW
    assert registry.decode("PendingResolved", 1, {"state": "expired"}) == PendingResolved(state="expired")


def test_what_is_published_is_the_contract_payload_and_the_ledger_internals_stay_internal():
    for event_type, data in V1.items():  # a payload an earlier release stored goes out as it was
        assert publish_contract(stored(event_type, data)) == (event_type, 1, data)
    v2 = {**V1["SpendingRecorded"], "part": 1, "account_id": str(uuid4()), "household_ref": "hh_1"}
    event_type, version, data = publish_contract(stored("SpendingRecorded", v2, 2)) or ("", 0, {})
    assert (event_type, version, data) == ("SpendingRecorded", 1, V1["SpendingRecorded"])
    EVENTS[event_type].model_validate(data)
    company = {**V1["CompanyRegistered"], "nib": "9120001234567", "npwp": "012345678901000"}
    assert publish_contract(stored("CompanyRegistered", company, 2)) == ("CompanyRegistered", 1,
                                                                         V1["CompanyRegistered"])
    for internal in ("AccountOpened", "TransferCreated", "PendingResolved", "AllocationExpired"):
        assert publish_contract(stored(internal, {})) is None


def test_every_stored_event_type_is_registered_with_a_schema():
    assert set(registry.json_schemas()) == {
        "AccountOpened.v1", "AllocationDecided.v2", "AllocationExpired.v1", "CompanyRegistered.v2",
        "DepositReceived.v1", "PendingResolved.v1", "PledgeMade.v1", "SpendingRecorded.v2", "TransferCreated.v1"}


def test_an_account_is_opened_by_its_event():
    account = Account(uuid4(), "company:fund", AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
    opened = LedgerAccount.open(account, "PT A", None)
    again = LedgerAccount.replay(account.id, enumerate(opened.pending_events, start=1))
    assert again.account == account
    assert again.name == "PT A"


def test_a_reservation_is_resolved_once():
    t = Transfer(uuid4(), uuid4(), uuid4(), 10, flags=TransferFlags.PENDING, timeout=60, timestamp=NOW)
    stream = LedgerTransfer.stored(t)
    assert (stream.persisted_version, stream.pending_state) == (1, PendingState.PENDING)
    stream.resolve(PendingState.POSTED)
    with pytest.raises(InvalidTransition):
        stream.resolve(PendingState.VOIDED)
    with pytest.raises(InvalidTransition):
        LedgerTransfer.create(Transfer(uuid4(), uuid4(), uuid4(), 1, timestamp=NOW)).resolve(PendingState.POSTED)


def test_a_batch_records_expiries_first_then_each_transfer_with_the_reservation_it_resolved():
    limited = AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS
    bank, fund, prog = Account(uuid4(), "bank"), Account(uuid4(), "fund", limited), Account(uuid4(), "prog")
    books = LedgerState([bank, fund, prog])
    books.create_transfers([Transfer(uuid4(), bank.id, fund.id, 100)], NOW)
    old = Transfer(uuid4(), fund.id, prog.id, 60, flags=TransferFlags.PENDING, timeout=10)
    kept = Transfer(uuid4(), fund.id, prog.id, 30, flags=TransferFlags.PENDING)
    books.create_transfers([old, kept], NOW)
    later = NOW.replace(minute=5)
    post = Transfer(uuid4(), None, None, 0, flags=TransferFlags.POST_PENDING, pending_id=kept.id)
    retry = Transfer(uuid4(), None, None, 0, flags=TransferFlags.POST_PENDING, pending_id=old.id)
    spend = Transfer(uuid4(), fund.id, prog.id, 70)  # needs the expired reservation's money
    outcome = books.create_transfers([retry, post, spend], later)
    streams = recorded(outcome, books.transfers)
    assert [(s.id, [type(e).__name__ for e in s.pending_events], s.persisted_version) for s in streams] == [
        (old.id, ["PendingResolved"], 1), (post.id, ["TransferCreated"], 0), (kept.id, ["PendingResolved"], 1),
        (spend.id, ["TransferCreated"], 0)]
    created = [e for s in streams for e in s.pending_events if isinstance(e, TransferCreated)]
    assert [(e.debit_account_id, e.amount) for e in created] == [(fund.id, 30), (fund.id, 70)]
