"""Four eyes on a cycle with three different officers: whoever opened it and whoever computed its entitlements
are both makers, so neither may approve; only a third officer can (DESIGN: the proposer can never approve)."""

from uuid import uuid4

import pytest

from disbursement.domain.cycle import Cycle, CycleApproved
from gotong.domain.errors import Forbidden

NOW = "2026-10-01T00:00:00+00:00"
OPENER, COMPUTER, REVIEWER, APPROVER = "ops-open", "ops-compute", "ops-review", "sup-approve"


def reviewed_by_three_officers() -> Cycle:
    cycle = Cycle.open(uuid4(), program_id="p", program_code="BPNT", period="2026-Q4", cutoff="2026-10-01",
                       rule_version="v1", by=OPENER, now=NOW)
    cycle.computed(households=2, held=0, total_amount=1_200_000, rule_version="v1", by=COMPUTER, now=NOW)
    cycle.review(by=REVIEWER, note=None, now=NOW)
    return cycle


def test_the_officer_who_computed_the_cycle_cannot_approve_it():
    cycle = reviewed_by_three_officers()
    with pytest.raises(Forbidden, match=f"maker–checker: {COMPUTER} opened or computed this cycle") as refused:
        cycle.approve(by=COMPUTER, budget_remaining=10**12, now=NOW)
    assert refused.value.field == "approved_by"
    assert cycle.status == "reviewed"
    assert not any(isinstance(e, CycleApproved) for e in cycle.pending_events)


def test_the_officer_who_opened_the_cycle_cannot_approve_it_even_when_someone_else_computed_it():
    cycle = reviewed_by_three_officers()
    with pytest.raises(Forbidden, match=f"maker–checker: {OPENER} opened or computed this cycle"):
        cycle.approve(by=OPENER, budget_remaining=10**12, now=NOW)
    assert cycle.status == "reviewed"


def test_a_third_officer_approves():
    cycle = reviewed_by_three_officers()
    cycle.approve(by=APPROVER, budget_remaining=10**12, now=NOW)
    assert cycle.status == "approved"
    approved = cycle.pending_events[-1]
    assert isinstance(approved, CycleApproved)
    assert (approved.approved_by, approved.households, approved.total_amount) == (APPROVER, 2, 1_200_000)


def test_the_makers_are_remembered_when_the_cycle_is_rebuilt_from_its_events():
    rebuilt = Cycle.replay(uuid4(), enumerate(reviewed_by_three_officers().pending_events, start=1))
    assert (rebuilt.opened_by, rebuilt.computed_by, rebuilt.reviewed_by) == (OPENER, COMPUTER, REVIEWER)
    for maker in (OPENER, COMPUTER):
        with pytest.raises(Forbidden, match="maker–checker"):
            rebuilt.approve(by=maker, budget_remaining=10**12, now=NOW)
    rebuilt.approve(by=APPROVER, budget_remaining=10**12, now=NOW)
    assert rebuilt.status == "approved"
