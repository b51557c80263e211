"""Every refusal of the cycle aggregate, whole: the sentence an officer reads, the field it names and the
figures it carries (what the API renders as problem+json), plus the boundaries of the budget check and the
facts each recorded event carries."""

from uuid import uuid4

import pytest

from disbursement.domain.cycle import Cycle, CycleApproved, CycleClosed, EntitlementsComputed
from gotong.domain.errors import Conflict, DomainError, Forbidden, InvalidTransition

NOW = "2026-10-01T00:00:00+00:00"
SUMMARY = {"paid_households": 2, "paid_amount": 1_200_000, "returned_amount": 0, "failed_payments": 0,
           "held_households": 0, "open_exceptions": 0}


def opened() -> Cycle:
    return Cycle.open(uuid4(), program_id="prog-1", program_code="BPNT", period="2026-Q4", cutoff="2026-10-01",
                      rule_version="v1", by="ops-open", now=NOW)


def step(cycle: Cycle, to: str) -> Cycle:
    order = ["computed", "reviewed", "approved", "paying", "closed", "reconciled"]
    for state in order[:order.index(to) + 1]:
        if state == "computed":
            cycle.computed(households=2, held=1, total_amount=1_200_000, rule_version="v1", by="ops-compute", now=NOW)
        elif state == "reviewed":
            cycle.review(by="ops-review", note="diperiksa", now=NOW)
        elif state == "approved":
            cycle.approve(by="sup-1", budget_remaining=1_200_000, now=NOW)
        elif state == "paying":
            cycle.instruct(instructed=2, amount=1_200_000, by="ops-pay", now=NOW)
        elif state == "closed":
            cycle.close(in_flight=0, summary=SUMMARY, by="ops-close", now=NOW)
        else:
            cycle.reconcile(open_exceptions=0, by="ops-rec", now=NOW)
    return cycle


def in_state(state: str) -> Cycle:
    return opened() if state == "open" else step(opened(), state)


def refused(error: type[DomainError], action, cycle: Cycle) -> DomainError:
    before = len(cycle.pending_events)
    with pytest.raises(error) as caught:
        action(cycle)
    assert len(cycle.pending_events) == before, "a refusal records nothing"
    return caught.value


ACTIONS = {
    "compute entitlements": lambda c: c.computed(households=1, held=0, total_amount=1, rule_version="v", by="x",
                                                 now=NOW),
    "review": lambda c: c.review(by="x", note=None, now=NOW),
    "approve": lambda c: c.approve(by="x", budget_remaining=10**12, now=NOW),
    "instruct payments": lambda c: c.instruct(instructed=1, amount=1, by="x", now=NOW),
    "close": lambda c: c.close(in_flight=0, summary=SUMMARY, by="x", now=NOW),
    "reconcile": lambda c: c.reconcile(open_exceptions=0, by="x", now=NOW),
}
ALLOWED = {"compute entitlements": "open", "review": "computed", "approve": "reviewed",
           "instruct payments": "approved or paying", "close": "paying", "reconcile": "closed"}


@pytest.mark.parametrize("state", ["open", "computed", "reviewed", "approved", "paying", "closed", "reconciled"])
@pytest.mark.parametrize("action", list(ACTIONS))
def test_a_wrong_state_refusal_names_the_action_the_state_and_what_it_must_be(action, state):
    if state in ALLOWED[action].split(" or "):
        return
    err = refused(InvalidTransition, ACTIONS[action], in_state(state))
    assert err.detail == f"cannot {action}: the cycle is {state}, it must be {ALLOWED[action]}"
    assert (err.field, err.extra) == ("status", {"cycle_status": state})


def test_a_cycle_that_was_never_opened_is_new():
    err = refused(InvalidTransition, ACTIONS["compute entitlements"], Cycle(uuid4()))
    assert err.detail == "cannot compute entitlements: the cycle is new, it must be open"
    with pytest.raises(InvalidTransition, match="the cycle is new"):
        Cycle(uuid4()).require_computable()
    with pytest.raises(InvalidTransition, match="the cycle is new"):
        Cycle(uuid4()).require_payable()


def test_the_maker_checker_refusal_is_whole():
    err = refused(Forbidden, lambda c: c.approve(by="ops-compute", budget_remaining=10**12, now=NOW),
                  in_state("reviewed"))
    assert err.detail == ("maker–checker: ops-compute opened or computed this cycle and cannot approve it; "
                          "a different officer must approve")
    assert (err.field, err.extra) == ("approved_by", {})


def test_the_budget_refusal_is_whole_and_an_exact_budget_suffices():
    err = refused(Conflict, lambda c: c.approve(by="sup-1", budget_remaining=1_199_999, now=NOW), in_state("reviewed"))
    assert err.detail == "budget exhausted: the cycle needs Rp 1.200.000 but the program has Rp 1.199.999 left"
    assert (err.field, err.extra) == ("total_amount", {"needed": 1_200_000, "remaining": 1_199_999})
    exact = in_state("reviewed")
    exact.approve(by="sup-1", budget_remaining=1_200_000, now=NOW)
    assert exact.status == "approved"


def test_closing_with_payments_in_flight_and_reconciling_with_open_exceptions_are_refused_whole():
    err = refused(InvalidTransition, lambda c: c.close(in_flight=3, summary=SUMMARY, by="x", now=NOW),
                  in_state("paying"))
    assert err.detail == "cannot close: 3 payments still await the channel's confirmation"
    assert (err.field, err.extra) == ("status", {"in_flight": 3})
    err = refused(InvalidTransition, lambda c: c.reconcile(open_exceptions=2, by="x", now=NOW), in_state("closed"))
    assert err.detail == "cannot reconcile: 2 reconciliation exceptions are still open"
    assert (err.field, err.extra) == ("status", {"open_exceptions": 2})


def test_the_recorded_events_carry_the_cycle_and_its_figures():
    cid = uuid4()
    cycle = step(Cycle.open(cid, program_id="prog-1", program_code="BPNT", period="2026-Q4", cutoff="2026-10-01",
                            rule_version="v1", by="ops-open", now=NOW), "closed")
    assert cycle.id == cid
    events = {type(e).__name__: e for e in cycle.pending_events}
    computed = events["EntitlementsComputed"]
    assert isinstance(computed, EntitlementsComputed)
    assert (computed.households, computed.held, computed.total_amount, computed.computed_by) == (
        2, 1, 1_200_000, "ops-compute")
    approved = events["CycleApproved"]
    assert isinstance(approved, CycleApproved)
    assert approved.model_dump(exclude={"event_type", "occurred_at"}) == {
        "program_id": "prog-1", "cycle_id": str(cycle.id), "period": "2026-Q4", "households": 2,
        "total_amount": 1_200_000, "approved_by": "sup-1"}
    closed = events["CycleClosed"]
    assert isinstance(closed, CycleClosed)
    assert (closed.program_id, closed.cycle_id, closed.period, closed.closed_by) == (
        "prog-1", str(cycle.id), "2026-Q4", "ops-close")
    assert {k: getattr(closed, k) for k in SUMMARY} == SUMMARY
    assert (cycle.status, cycle.households, cycle.total_amount) == ("closed", 2, 1_200_000)
    assert (cycle.opened_by, cycle.computed_by, cycle.reviewed_by) == ("ops-open", "ops-compute", "ops-review")


@pytest.mark.parametrize("state", ["open", "computed", "reviewed", "approved", "paying", "closed", "reconciled"])
def test_payments_can_be_instructed_only_once_approved_and_while_paying(state):
    cycle = in_state(state)
    if state in ("approved", "paying"):
        cycle.require_payable()
        return
    with pytest.raises(InvalidTransition) as err:
        cycle.require_payable()
    assert err.value.detail == f"cannot instruct payments: the cycle is {state}, it must be approved or paying"


def test_the_review_keeps_the_reviewers_note():
    reviewed = [e for e in in_state("reviewed").pending_events if type(e).__name__ == "CycleReviewed"]
    assert [(e.reviewed_by, e.note) for e in reviewed] == [("ops-review", "diperiksa")]
