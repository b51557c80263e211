"""The payment aggregate without a database: its state only from its events, every report path, reissue and
exceptions; and the bulk instructions are the same events as the single path."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from gotong_contracts.disbursement import PaymentRecorded as PublishedPaymentRecorded

from disbursement.domain.events import (
    PaymentExceptionRaised,
    PaymentExceptionResolved,
    PaymentRecorded,
    registry,
)
from disbursement.domain.payment import Instruction, Payment, PaymentTerms, instruction_events
from disbursement.domain.reconciliation import Report
from gotong.domain.clock import FixedClock
from gotong.domain.errors import InvalidTransition, NotFound

CLOCK = FixedClock(datetime(2026, 11, 2, 8, 0, tzinfo=UTC))
CYCLE = UUID("01900000-0000-7000-8000-000000000001")
TERMS = PaymentTerms(CYCLE, "6f1d2c1e-3b7a-5e47-9a43-0b1f5d6c7a21", "BPNT", "2026-Q4", "apbn", None)


def instruction(ref: str = "HH-1", amount: int = 600_000) -> Instruction:
    return Instruction(uuid4(), ref, amount, "32.73.01.1001", "32.73", "32", 2)


def instructed(amount: int = 600_000) -> Payment:
    p = Payment.instruct(TERMS, instruction(amount=amount), now=CLOCK.now())
    p.mark_saved()
    return p


def replayed(p: Payment) -> Payment:
    """The same payment loaded again from everything it recorded."""
    events = list(p.recorded)  # type: ignore[attr-defined]
    return Payment.replay(p.id, ((v, registry.decode(e.event_type, 1, e.to_data())) for v, e in events))


def report(status: str = "succ", *, attempt: int = 1, amount: int | None = None, returned: bool = False) -> Report:
    return Report(attempt=attempt, status=status, amount=amount, returned=returned)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _remember(monkeypatch):
    """Keep every event an aggregate records (saved or not), to replay it."""
    original = Payment._record

    def record(self, event):
        original(self, event)
        self.__dict__.setdefault("recorded", []).append((self.version, event))

    monkeypatch.setattr(Payment, "_record", record)


def test_an_instruction_records_the_published_event():
    p = Payment.instruct(TERMS, instruction(), now=CLOCK.now())
    [event] = p.pending_events
    assert isinstance(event, PaymentRecorded)
    # the stored event is the contract, field for field
    assert PublishedPaymentRecorded.model_validate(event.to_data()).model_dump(mode="json") == event.to_data()
    assert (p.status, p.attempt, p.amount, p.confirmed_amount, p.instructed_at) == (
        "instructed", 1, 600_000, None, CLOCK.now())
    assert p.reference_id == f"{p.id}.1"


def test_bulk_instructions_are_the_single_paths_events():
    todo = [instruction(f"HH-{i}", 300_000 + i) for i in range(3)]
    bulk = list(instruction_events(TERMS, todo, CLOCK.now()))
    single = [Payment.instruct(TERMS, i, now=CLOCK.now()).pending_events[0].to_data() for i in todo]
    assert bulk == single
    assert [list(b) for b in bulk] == [list(s) for s in single]  # same field order


def test_a_negative_bulk_instruction_is_refused():
    with pytest.raises(ValueError, match="cannot be negative"):
        list(instruction_events(TERMS, [instruction(amount=-1)], CLOCK.now()))


def test_paid_in_full():
    p = instructed()
    effect = p.report(report(), now=CLOCK.now())
    assert effect.new_status == "paid"
    assert (p.status, p.confirmed_amount, p.confirmed_at, p.exceptions) == ("paid", 600_000, CLOCK.now(), {})
    [event] = p.pending_events
    assert (event.status, event.amount, event.attempt) == ("paid", 600_000, 1)  # type: ignore[attr-defined]


def test_paid_short_is_paid_with_an_amount_mismatch_exception():
    p = instructed()
    p.report(report(amount=590_000), now=CLOCK.now())
    assert (p.status, p.amount, p.confirmed_amount) == ("paid", 600_000, 590_000)
    [recorded, raised] = p.pending_events
    assert recorded.amount == 590_000  # type: ignore[attr-defined]
    assert isinstance(raised, PaymentExceptionRaised)
    assert (raised.kind, raised.instructed_amount, raised.confirmed_amount) == ("amount_mismatch", 600_000, 590_000)
    [exc] = p.exceptions.values()
    assert (exc.status, exc.attempt) == ("open", 1)


def test_a_failed_payment_keeps_the_instructed_amount_and_opens_an_exception():
    p = instructed()
    p.report(report("rjct"), now=CLOCK.now())
    assert (p.status, p.amount, p.confirmed_amount) == ("failed", 600_000, 0)
    assert [e.kind for e in p.exceptions.values()] == ["failed"]
    assert p.pending_events[0].amount == 600_000  # type: ignore[attr-defined]


def net(p: Payment) -> int:
    """Every reader's rule (audit, projector, ledger): paid adds, returned takes back."""
    sign = {"paid": 1, "returned": -1}
    return sum(sign.get(e.status, 0) * e.amount for e in p.pending_events if isinstance(e, PaymentRecorded))


def test_a_return_reported_before_any_success_records_the_payment_and_its_return():
    p = instructed()
    p.report(report("succ", amount=590_000, returned=True), now=CLOCK.now())
    assert (p.status, p.amount, p.confirmed_amount) == ("returned", 600_000, 0)
    recorded = [(e.status, e.amount) for e in p.pending_events if isinstance(e, PaymentRecorded)]
    assert recorded == [("paid", 590_000), ("returned", 590_000)]
    assert net(p) == 0
    assert [e.kind for e in p.exceptions.values()] == ["returned"]


def test_a_repeated_report_changes_nothing_and_opens_no_second_exception():
    p = instructed()
    p.report(report("rjct"), now=CLOCK.now())
    p.mark_saved()
    effect = p.report(report("rjct"), now=CLOCK.now())
    assert effect.new_status is None
    assert p.pending_events == []
    assert len(p.exceptions) == 1


def test_pending_and_received_reports_change_nothing():
    p = instructed()
    for status in ("rcvd", "pdng"):
        assert p.report(report(status), now=CLOCK.now()).new_status is None
    assert p.pending_events == []


def test_a_paid_payment_returned_later_is_returned():
    p = instructed()
    p.report(report(), now=CLOCK.now())
    p.report(report(returned=True), now=CLOCK.now())
    assert (p.status, p.confirmed_amount) == ("returned", 0)
    assert net(p) == 0


def test_a_return_after_a_short_payment_takes_back_what_was_paid():
    """The channel paid Rp 10.000 less than instructed and the money then came back: the return is the money
    paid, not the money instructed (the ledger reverses what it booked; the audit must agree)."""
    p = instructed()
    p.report(report(amount=590_000), now=CLOCK.now())
    p.report(report(returned=True), now=CLOCK.now())
    assert [(e.status, e.amount) for e in p.pending_events if isinstance(e, PaymentRecorded)][-1] == \
        ("returned", 590_000)
    assert net(p) == 0
    p.reissue(cycle_status="paying", by="ops-1", now=CLOCK.now())
    p.report(report(attempt=2), now=CLOCK.now())
    assert net(p) == p.confirmed_amount == 600_000


def test_a_rejection_after_payment_is_a_conflicting_report_not_a_new_status():
    p = instructed()
    p.report(report(), now=CLOCK.now())
    effect = p.report(report("rjct"), now=CLOCK.now())
    assert effect.new_status is None
    assert p.status == "paid"
    assert [e.kind for e in p.exceptions.values()] == ["conflicting_report"]


def test_reissue_needs_a_failed_or_returned_payment_and_a_paying_cycle():
    p = instructed()
    with pytest.raises(InvalidTransition, match="this one is instructed"):
        p.reissue(cycle_status="paying", by="ops-1", now=CLOCK.now())
    p.report(report("rjct"), now=CLOCK.now())
    with pytest.raises(InvalidTransition, match="the cycle is closed") as err:
        p.reissue(cycle_status="closed", by="ops-1", now=CLOCK.now())
    assert err.value.field == "cycle_status"


def test_reissue_is_a_new_attempt_and_resolves_open_exceptions():
    p = instructed()
    p.report(report("rjct"), now=CLOCK.now())
    p.mark_saved()
    CLOCK.advance(hours=1)
    p.reissue(cycle_status="paying", by="ops-2", now=CLOCK.now())
    recorded, resolved = p.pending_events
    assert (recorded.status, recorded.attempt, recorded.amount) == ("reissued", 2, 600_000)  # type: ignore[attr-defined]
    assert isinstance(resolved, PaymentExceptionResolved)
    assert (resolved.resolution, resolved.resolved_by) == ("reissued", "ops-2")
    assert (p.status, p.attempt, p.confirmed_amount, p.confirmed_at, p.instructed_at) == (
        "reissued", 2, None, None, CLOCK.now())
    assert p.reference_id == f"{p.id}.2"
    [exc] = p.exceptions.values()
    assert (exc.status, exc.resolution, exc.resolved_at) == ("resolved", "reissued", CLOCK.now())
    # a report of the old attempt changes nothing; the new attempt is paid
    assert p.report(report("rjct", attempt=1), now=CLOCK.now()).new_status is None
    p.report(report(attempt=2), now=CLOCK.now())
    assert p.status == "paid"


def test_an_old_attempt_paid_after_a_reissue_is_an_exception():
    p = instructed()
    p.report(report("rjct"), now=CLOCK.now())
    p.reissue(cycle_status="paying", by="ops-1", now=CLOCK.now())
    effect = p.report(report(attempt=1), now=CLOCK.now())
    assert effect.new_status is None
    assert "stale_attempt_paid" in [e.kind for e in p.exceptions.values()]


def test_resolving_an_exception_once():
    p = instructed()
    p.report(report(amount=1), now=CLOCK.now())
    [eid] = p.exceptions
    p.resolve_exception(eid, resolution="refunded by the bank", by="ops-1", now=CLOCK.now())
    assert p.exceptions[eid].status == "resolved"
    with pytest.raises(InvalidTransition, match="the exception is resolved already"):
        p.resolve_exception(eid, resolution="again", by="ops-1", now=CLOCK.now())
    with pytest.raises(NotFound):
        p.resolve_exception(uuid4(), resolution="?", by="ops-1", now=CLOCK.now())


def test_state_replayed_from_the_events_is_the_state_recorded():
    p = instructed()
    p.report(report("succ", returned=True), now=CLOCK.now())
    p.reissue(cycle_status="paying", by="ops-1", now=CLOCK.now())
    p.report(report(attempt=2, amount=599_000), now=CLOCK.now())
    again = replayed(p)
    for field in ("status", "attempt", "amount", "confirmed_amount", "instructed_at", "confirmed_at", "terms",
                  "place", "exceptions", "version"):
        assert getattr(again, field) == getattr(p, field), field
