"""The ranking run's maker–checker, decided in the aggregate without a database: a run is proposed for a quarter
that has begun (checked on the day the clock gives), and only another officer approves or rejects it, once."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from gotong.domain.clock import FixedClock
from gotong.domain.errors import Forbidden, InvalidTransition, ValidationFailed
from registry.domain.household import events
from registry.domain.ranking import RankingApproved, RankingProposed, RankingRejected, RankingRun

CLOCK = FixedClock(datetime(2026, 11, 15, 9, 0, tzinfo=UTC))


def proposed(by: str = "officer-a") -> RankingRun:
    return RankingRun.propose(uuid4(), on=CLOCK.today(), today=CLOCK.today(), rule_version="pmt-2026.1",
                              proposed_by=by)


def test_a_proposal_names_the_quarter_and_ranks_nobody_yet():
    run = proposed()
    assert (run.status, run.snapshot, run.rule_version, run.proposed_by) == ("proposed", "2026-Q4", "pmt-2026.1",
                                                                            "officer-a")
    [event] = run.pending_events
    assert isinstance(event, RankingProposed)
    assert (event.on, event.snapshot) == (CLOCK.today(), "2026-Q4")


@pytest.mark.parametrize("on", [datetime(2563, 7, 1).date(), datetime(2026, 11, 16).date(),
                                datetime(2024, 12, 31).date()])
def test_a_future_or_pre_register_day_cannot_be_proposed(on):
    with pytest.raises(ValidationFailed) as refused:
        RankingRun.propose(uuid4(), on=on, today=CLOCK.today(), rule_version="pmt-2026.1", proposed_by="officer-a")
    assert refused.value.field == "on"


def test_the_proposer_can_neither_approve_nor_reject_their_own_run():
    run = proposed()
    with pytest.raises(Forbidden, match="maker–checker: the officer who proposed cannot approve") as refused:
        run.check_approval("officer-a")
    assert refused.value.field == "approved_by"
    with pytest.raises(Forbidden, match="maker–checker: the officer who proposed cannot approve"):
        run.approve("officer-a", households=10, changed=10)
    with pytest.raises(Forbidden, match="cannot reject their own proposal") as refused:
        run.reject("officer-a", "kuartal salah")
    assert refused.value.field == "rejected_by"
    assert run.status == "proposed"
    assert len(run.pending_events) == 1


def test_another_officer_approves_once():
    run = proposed()
    run.check_approval("supervisor-b")
    run.approve("supervisor-b", households=120, changed=37)
    assert (run.status, run.decided_by, run.households, run.changed) == ("approved", "supervisor-b", 120, 37)
    assert isinstance(run.pending_events[-1], RankingApproved)
    for again in (lambda: run.approve("supervisor-c", households=1, changed=1),
                  lambda: run.reject("supervisor-c", "terlambat")):
        with pytest.raises(InvalidTransition, match="is approved; only a proposed run") as refused:
            again()
        assert refused.value.field == "run_id"


def test_a_rejected_run_cannot_be_approved():
    run = proposed()
    run.reject("supervisor-b", "aturan PMT belum disahkan")
    assert (run.status, run.decided_by, run.reason) == ("rejected", "supervisor-b", "aturan PMT belum disahkan")
    assert isinstance(run.pending_events[-1], RankingRejected)
    with pytest.raises(InvalidTransition, match="is rejected; only a proposed run can be approved"):
        run.check_approval("supervisor-c")


def test_a_run_replays_from_its_events():
    run = proposed()
    run.approve("supervisor-b", households=5, changed=2)
    recorded = [(i, events.decode(e.event_type, e.schema_version, e.to_data()))
                for i, e in enumerate(run.pending_events, start=1)]
    again = RankingRun.replay(run.id, recorded)
    assert (again.version, again.status, again.on, again.proposed_by, again.decided_by, again.changed) == (
        2, "approved", CLOCK.today(), "officer-a", "supervisor-b", 2)
