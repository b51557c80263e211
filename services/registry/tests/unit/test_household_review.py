"""The household aggregate's review decision: four eyes (the proposer can never decide their own proposal),
only a flagged or under-review household has something to review, and the decision sets the verification."""

from uuid import uuid4

import pytest

from gotong.domain.errors import Forbidden, InvalidTransition
from registry.domain.household import Household, ReviewDecided
from registry.domain.model import Attributes, MemberFact

HEAD = MemberFact(member_ref="m1", relation="kepala", sex="M", birth_month="1980-05")


def flagged() -> Household:
    household = Household.register(uuid4(), "32.73.01.1001", [HEAD], Attributes(), pii="sealed")
    household.flagged([{"code": "duplicate_nik", "member_ref": "m1"}])
    return household


def test_the_proposer_cannot_decide_their_own_proposal():
    household = flagged()
    with pytest.raises(Forbidden, match="maker–checker: the officer who proposed cannot approve") as refused:
        household.decide_review("verified", proposed_by="verifier-a", approved_by="verifier-a", note="dicek")
    assert refused.value.field == "approved_by"
    assert household.verification == "flagged"
    assert not any(isinstance(e, ReviewDecided) for e in household.pending_events)


@pytest.mark.parametrize(("decision", "verification"), [("verified", "verified"), ("rejected", "rejected")])
def test_another_officer_decides_and_both_are_recorded(decision, verification):
    household = flagged()
    household.decide_review(decision, proposed_by="verifier-a", approved_by="approver-b", note="dicek lapangan")
    assert household.verification == verification
    decided = household.pending_events[-1]
    assert isinstance(decided, ReviewDecided)
    assert (decided.decision, decided.proposed_by, decided.approved_by, decided.note) == (
        decision, "verifier-a", "approver-b", "dicek lapangan")


def test_a_rejected_household_is_decided_again_only_after_its_review_is_reopened():
    household = flagged()
    household.decide_review("rejected", proposed_by="verifier-a", approved_by="approver-b", note="belum jelas")
    with pytest.raises(InvalidTransition, match="reopen its review"):
        household.decide_review("verified", proposed_by="verifier-c", approved_by="verifier-a", note="sudah jelas")
    household.reopen_review("appeal", by="verifier-c")
    assert household.verification == "flagged"
    with pytest.raises(InvalidTransition, match="only a rejected household"):
        household.reopen_review("appeal", by="verifier-c")
    household.decide_review("verified", proposed_by="verifier-c", approved_by="verifier-a", note="sudah jelas")
    assert household.verification == "verified"


def test_a_household_rejected_by_an_earlier_release_under_review_has_the_same_ways_out():
    household = flagged()
    household.verification = "under_review"  # what earlier releases' snapshots hold for a rejection
    household.verified(["nik"])
    assert household.verification == "flagged"
    assert household.pending_events[-1].reasons[0]["code"] == "changed_after_rejection"


def test_a_verified_household_has_nothing_to_review():
    household = flagged()
    household.decide_review("verified", proposed_by="verifier-a", approved_by="approver-b", note="dicek")
    with pytest.raises(InvalidTransition, match="the household is verified, there is nothing to review"):
        household.decide_review("rejected", proposed_by="verifier-c", approved_by="approver-b", note="lagi")


def test_a_pending_household_has_nothing_to_review():
    household = Household.register(uuid4(), "32.73.01.1001", [HEAD], Attributes(), pii="sealed")
    with pytest.raises(InvalidTransition, match="the household is pending"):
        household.decide_review("verified", proposed_by="verifier-a", approved_by="approver-b", note="dicek")


def test_the_rule_holds_after_a_rebuild_from_events():
    rebuilt = Household.replay(uuid4(), enumerate(flagged().pending_events, start=1))
    assert rebuilt.verification == "flagged"
    with pytest.raises(Forbidden):
        rebuilt.decide_review("verified", proposed_by="verifier-a", approved_by="verifier-a", note="dicek")
