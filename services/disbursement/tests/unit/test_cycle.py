"""The cycle's state machine: every transition allowed in its state and refused elsewhere, with the reason."""

from uuid import uuid4

import pytest

from disbursement.domain.cycle import Cycle
from gotong.domain.errors import Conflict, Forbidden, InvalidTransition

NOW = "2026-10-01T00:00:00+00:00"


def opened() -> Cycle:
    return Cycle.open(uuid4(), program_id="p", program_code="BPNT", period="2026-Q4", cutoff="2026-10-01",
                      rule_version="v1", by="ops-1", now=NOW)


def computed(total: int = 1_200_000) -> Cycle:
    c = opened()
    c.computed(households=2, held=0, total_amount=total, rule_version="v1", by="ops-1", now=NOW)
    return c


def reviewed(total: int = 1_200_000) -> Cycle:
    c = computed(total)
    c.review(by="ops-2", note=None, now=NOW)
    return c


def approved() -> Cycle:
    c = reviewed()
    c.approve(by="sup-1", budget_remaining=10_000_000, now=NOW)
    return c


def paying() -> Cycle:
    c = approved()
    c.instruct(instructed=2, amount=1_200_000, by="ops-1", now=NOW)
    return c


def test_the_happy_path_records_one_event_per_step():
    c = paying()
    c.close(in_flight=0, summary={"paid_households": 2, "paid_amount": 1_200_000, "returned_amount": 0,
                                  "failed_payments": 0, "held_households": 0, "open_exceptions": 0}, by="ops-1",
            now=NOW)
    c.reconcile(open_exceptions=0, by="ops-1", now=NOW)
    assert c.status == "reconciled"
    assert [e.event_type for e in c.pending_events] == [
        "CycleOpened", "EntitlementsComputed", "CycleReviewed", "CycleApproved", "PaymentsInstructed",
        "CycleClosed", "CycleReconciled"]


def test_replaying_the_events_gives_the_same_state():
    c = approved()
    again = Cycle.replay(c.id, enumerate(c.pending_events, start=1))
    assert (again.status, again.total_amount, again.opened_by) == ("approved", 1_200_000, "ops-1")


def test_the_officer_who_opened_the_cycle_cannot_approve_it():
    with pytest.raises(Forbidden, match="maker–checker: ops-1"):
        reviewed().approve(by="ops-1", budget_remaining=10**12, now=NOW)


def test_approval_is_refused_when_the_budget_is_exhausted():
    with pytest.raises(Conflict, match=r"budget exhausted: the cycle needs Rp 1\.200\.000 but the program has "
                                       r"Rp 1\.000\.000 left"):
        reviewed().approve(by="sup-1", budget_remaining=1_000_000, now=NOW)


@pytest.mark.parametrize(("make", "action"), [
    (opened, lambda c: c.review(by="x", note=None, now=NOW)),
    (opened, lambda c: c.approve(by="x", budget_remaining=10**12, now=NOW)),
    (computed, lambda c: c.approve(by="x", budget_remaining=10**12, now=NOW)),
    (computed, lambda c: c.computed(households=1, held=0, total_amount=1, rule_version="v", by="x", now=NOW)),
    (reviewed, lambda c: c.instruct(instructed=1, amount=1, by="x", now=NOW)),
    (approved, lambda c: c.review(by="x", note=None, now=NOW)),
    (approved, lambda c: c.close(in_flight=0, summary={}, by="x", now=NOW)),
    (paying, lambda c: c.approve(by="x", budget_remaining=10**12, now=NOW)),
    (paying, lambda c: c.reconcile(open_exceptions=0, by="x", now=NOW)),
])
def test_wrong_state_actions_are_refused_with_the_reason(make, action):
    c = make()
    with pytest.raises(InvalidTransition, match=f"the cycle is {c.status}, it must be"):
        action(c)


def test_a_cycle_with_payments_in_flight_cannot_close():
    with pytest.raises(InvalidTransition, match="3 payments still await"):
        paying().close(in_flight=3, summary={}, by="x", now=NOW)


def test_a_closed_cycle_with_open_exceptions_cannot_be_reconciled():
    c = paying()
    c.close(in_flight=0, summary={"paid_households": 1, "paid_amount": 1, "returned_amount": 0,
                                  "failed_payments": 1, "held_households": 0, "open_exceptions": 1}, by="x", now=NOW)
    with pytest.raises(InvalidTransition, match="1 reconciliation exceptions are still open"):
        c.reconcile(open_exceptions=1, by="x", now=NOW)


def test_paying_again_is_allowed_for_households_cleared_later():
    c = paying()
    c.instruct(instructed=1, amount=600_000, by="ops-1", now=NOW)
    assert c.status == "paying"
