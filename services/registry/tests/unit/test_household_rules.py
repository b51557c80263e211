"""Every rule of the Household aggregate that used to live (also) in the command handlers, tested without a
database on a fixed clock: one head, maker–checker on the review lifecycle (with its review ids), split, a head
too young, the checks' outcome, and the clock the aggregate decides with."""

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from gotong.domain.clock import FixedClock
from gotong.domain.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from registry.adapters.reference import regions
from registry.domain.household import (
    ONE_HEAD,
    Household,
    HouseholdFlagged,
    HouseholdVerified,
    MemberDied,
    MemberLeft,
    ProposalSentBack,
    ReviewDecided,
    ReviewProposed,
    check_one_head,
    head_too_young,
    validate_household,
)
from registry.domain.model import Attributes, HouseholdIn, MemberFact
from registry.synthetic import households

VILLAGE = "32.73.01.1001"
CLOCK = FixedClock(datetime(2026, 6, 15, 9, 0, tzinfo=UTC))
REASONS = [{"code": "duplicate_kk"}]


def fact(ref: str, relation: str = "anak", **over) -> MemberFact:
    return MemberFact(**{"member_ref": ref, "relation": relation, "sex": "F", "birth_month": "2010-04", **over})


def family(*refs: str, clock: FixedClock = CLOCK) -> Household:
    return Household.register(uuid4(), VILLAGE, [fact("m1", "kepala", birth_month="1980-01"),
                                                 *(fact(r) for r in refs)], Attributes(), pii="sealed",
                              clock=clock)


def kinds(h: Household) -> list[str]:
    return [type(e).__name__ for e in h.pending_events]


# --- one head -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("relations", [[], ["anak"], ["kepala", "kepala"], ["istri", "anak"]])
def test_a_household_has_exactly_one_head(relations):
    with pytest.raises(ValidationFailed, match=ONE_HEAD) as err:
        check_one_head(relations)
    assert err.value.field == "members"
    check_one_head(["kepala", "istri", "anak"])


def test_registration_without_a_head_or_with_two_is_refused():
    for members in ([fact("m1")], [fact("m1", "kepala"), fact("m2", "kepala")]):
        with pytest.raises(ValidationFailed, match=ONE_HEAD):
            Household.register(uuid4(), VILLAGE, members, Attributes(), pii="x", clock=CLOCK)


def test_a_correction_keeps_exactly_one_head_among_those_still_here():
    h = family("m2")
    with pytest.raises(ValidationFailed, match=ONE_HEAD) as err:
        h.correct(VILLAGE, [fact("m1", "anak"), fact("m2")], pii="p", reason="r")
    assert err.value.field == "members"
    with pytest.raises(ValidationFailed, match=ONE_HEAD):
        h.correct(VILLAGE, [fact("m1", "kepala"), fact("m2", "kepala")], pii="p", reason="r")
    # a head who left does not count: the new head is the one still here
    h.correct(VILLAGE, [fact("m1", "kepala", left_on=date(2026, 1, 1)), fact("m2", "kepala")], pii="p", reason="r")
    assert kinds(h)[-1] == "HouseholdCorrected"


def test_a_new_member_is_never_a_second_head():
    h = family()
    with pytest.raises(ValidationFailed, match="the household has a head already") as err:
        h.add_member(fact("m9", "kepala"), "moved_in", pii="p")
    assert err.value.field == "member.relation"
    h.add_member(fact("m9", "istri"), "moved_in", pii="p2")
    assert "m9" in h.members


# --- the clock the aggregate decides with -------------------------------------------------------------------
def test_dates_in_the_future_are_those_after_the_clocks_today():
    h = family("m2", "m3")
    with pytest.raises(ValidationFailed, match="the date of leaving is in the future"):
        h.member_left("m2", date(2026, 6, 16), "moved_out")
    h.member_left("m2", date(2026, 6, 15), "moved_out")
    with pytest.raises(ValidationFailed, match="date of death is in the future"):
        h.member_died("m3", date(2026, 6, 16), "ops")
    clock = FixedClock(CLOCK.at)
    later = family("m2", clock=clock)
    clock.advance(days=1)
    assert later.member_died("m2", date(2026, 6, 16), "ops")


def test_a_replayed_household_decides_with_the_clock_it_is_given():
    h = family("m2")
    replayed = Household.replay(h.id, enumerate(h.pending_events, start=1)).using(CLOCK)
    with pytest.raises(ValidationFailed, match="date of leaving is in the future"):
        replayed.member_left("m2", date(2026, 7, 1), "moved_out")


def test_the_published_state_counts_ages_on_the_clocks_day():
    h = family("m2")
    h.stamp_state("registered")
    state = h.pending_events[-1].state
    assert state is not None
    assert [m["age_band"] for m in state["members"]] == ["19-59", "16-18"]  # born 2010-04: 16 on 2026-06-15


def test_input_birth_dates_are_checked_against_the_given_day():
    data = HouseholdIn.model_validate(next(households(1, seed=31)))
    born = max(m.birth_date for m in data.members)
    validate_household(data, regions=regions(), today=born)
    with pytest.raises(ValidationFailed, match="birth date is in the future"):
        validate_household(data, regions=regions(), today=date.fromordinal(born.toordinal() - 1))


def test_record_death_refuses_a_death_known_already():
    h = family("m2")
    h.record_death("m2", date(2026, 5, 1))
    with pytest.raises(InvalidTransition, match="death is recorded already") as err:
        h.record_death("m2", date(2026, 5, 2))
    assert err.value.field == "member_ref"
    assert kinds(h).count("MemberDied") == 1


# --- head too young -----------------------------------------------------------------------------------------
def test_a_head_under_fifteen_is_a_reason_to_review():
    day = date(2026, 6, 15)
    assert head_too_young([fact("h", "kepala", birth_month="2011-07")], day) == [
        {"code": "head_too_young", "member_ref": "h"}]
    assert head_too_young([fact("h", "kepala", birth_month="2011-06")], day) == []  # 15 this month
    assert head_too_young([fact("c", "anak", birth_month="2020-01")], day) == []
    assert head_too_young([fact("h", "kepala", birth_month="2015-01", alive=False)], day) == []
    assert head_too_young([fact("h", "kepala", birth_month="2015-01", left_on=day)], day) == []


# --- split --------------------------------------------------------------------------------------------------
def test_split_rules_name_their_field():
    h = family("m2", "m3")
    with pytest.raises(ValidationFailed, match="the new head must be one of the members") as err:
        h.split_relations(["m2"], "m3")
    assert err.value.field == "head"
    with pytest.raises(InvalidTransition, match="nobody would remain"):
        h.split_relations(["m1", "m2", "m3"], "m2")
    with pytest.raises(InvalidTransition, match="the head stays") as err:
        h.split_relations(["m1", "m2"], "m2")
    assert err.value.field == "member_refs.0"
    with pytest.raises(NotFound):
        h.split_relations(["m9"], "m9")
    h.member_died("m3", date(2026, 1, 1), "ops")
    with pytest.raises(InvalidTransition, match="member m3 is no longer in this household") as err:
        h.split_relations(["m2", "m3"], "m2")
    assert err.value.field == "member_refs.1"


def test_a_split_makes_one_of_them_the_new_head_and_they_leave():
    h = family("m2", "m3", "m4")
    relations = h.split_off(["m2", "m3"], "m3", date(2026, 6, 1))
    assert relations == {"m2": "anak", "m3": "kepala"}
    left = [e for e in h.pending_events if isinstance(e, MemberLeft)]
    assert [(e.member_ref, e.reason, e.on) for e in left] == [("m2", "split", date(2026, 6, 1)),
                                                               ("m3", "split", date(2026, 6, 1))]
    assert [m.member_ref for m in h.present] == ["m1", "m4"]


# --- the checks' outcome ------------------------------------------------------------------------------------
def test_checks_record_deaths_then_verify_or_flag():
    h = family("m2")
    assert not h.opens_review([])
    assert h.checked([], [("m2", date(2026, 2, 1))], ["structure"]) == []
    assert kinds(h)[-2:] == ["MemberDied", "HouseholdVerified"]
    died = h.pending_events[-2]
    assert isinstance(died, MemberDied)
    assert died.source == "civil_registry"
    assert h.opens_review(REASONS)
    assert h.checked(REASONS, [], ["structure"], review_id=4) == REASONS
    assert (h.verification, h.open_review.id if h.open_review else None) == ("flagged", 4)


def test_a_flag_while_a_review_is_open_gives_that_review_the_new_reasons():
    h = family()
    h.flagged(REASONS, 4)
    h.propose(4, "verifier-a", "verified", note="sealed-note")
    assert not h.opens_review([{"code": "duplicate_nik"}]), "the open review takes them"
    h.flagged([{"code": "duplicate_nik"}], 99)
    flag = h.pending_events[-1]
    assert isinstance(flag, HouseholdFlagged)
    assert flag.review_id == 4
    review = h.open_review
    assert review is not None
    assert (review.id, review.status, review.reasons, review.proposed_by, review.proposal, review.note) == (
        4, "open", [{"code": "duplicate_nik"}], None, None, "sealed-note")


def test_checks_alone_never_verify_what_a_review_rejected():
    h = family()
    h.flagged(REASONS, 1)
    h.propose(1, "verifier-a", "rejected", note="n")
    h.answer_proposal(1, "approver-b", approve=True)
    assert h.verification == "rejected"
    assert h.opens_review([]), "a rejected household's next check opens a new review"
    reasons = h.checked([], [], ["structure"], review_id=2)
    assert reasons == [{"code": "changed_after_rejection", "detail": "changed since a review rejected it"}]
    assert (h.verification, h.open_review.id if h.open_review else None) == ("flagged", 2)
    assert not any(isinstance(e, HouseholdVerified) for e in h.pending_events)


# --- the review lifecycle, maker–checker --------------------------------------------------------------------
def test_the_review_lifecycle_with_four_eyes():
    h = family()
    h.flagged(REASONS, 7)
    with pytest.raises(InvalidTransition, match="review 7 is open; only a proposal can be approved"):
        h.answer_proposal(7, "approver-b", approve=True)
    h.propose(7, "verifier-a", "verified", note="sealed")
    with pytest.raises(InvalidTransition, match="review 7 is proposed; only an open review takes a proposal"):
        h.propose(7, "verifier-c", "rejected", note="x")
    for approve in (True, False):
        with pytest.raises(Forbidden, match="maker–checker: the officer who proposed cannot approve") as err:
            h.answer_proposal(7, "verifier-a", approve=approve)
        assert err.value.field == "approved_by"
    h.answer_proposal(7, "approver-b", approve=False)
    assert isinstance(h.pending_events[-1], ProposalSentBack)
    assert (h.review_status(7), h.verification) == ("open", "flagged")
    h.propose(7, "approver-b", "verified", note="sealed-2")
    proposed = h.pending_events[-1]
    assert isinstance(proposed, ReviewProposed)
    assert (proposed.review_id, proposed.proposed_by, proposed.decision) == (7, "approver-b", "verified")
    h.answer_proposal(7, "verifier-a", approve=True)
    decided = h.pending_events[-1]
    assert isinstance(decided, ReviewDecided)
    assert (decided.review_id, decided.decision, decided.proposed_by, decided.approved_by, decided.note) == (
        7, "verified", "approver-b", "verifier-a", "sealed-2")
    assert (h.verification, h.review_status(7), h.open_review) == ("verified", "decided", None)
    with pytest.raises(InvalidTransition, match="review 7 is decided; only an open review takes a proposal"):
        h.check_proposal(7)


def test_an_earlier_review_of_the_household_is_decided():
    h = family()
    h.flagged(REASONS, 1)
    h.propose(1, "a", "rejected", note="n")
    h.answer_proposal(1, "b", approve=True)
    h.reopen_review("appeal", by="c", review_id=2)
    assert (h.review_status(1), h.review_status(2)) == ("decided", "open")
    with pytest.raises(InvalidTransition, match="review 1 is decided"):
        h.propose(1, "c", "verified", note="n")
    reopened = h.pending_events[-1]
    assert isinstance(reopened, HouseholdFlagged)
    assert (reopened.review_id, reopened.reasons) == (2, [{"code": "review_reopened", "detail": "appeal",
                                                           "by": "c"}])


def test_a_decision_on_an_erased_household_is_refused():
    h = family()
    h.flagged(REASONS, 1)
    h.propose(1, "a", "verified", note="n")
    h.erase("subject_request", "470/12/DS/2026")
    with pytest.raises(InvalidTransition, match="erased"):
        h.answer_proposal(1, "b", approve=True)


def test_the_review_state_is_rebuilt_from_the_events():
    h = family()
    h.flagged(REASONS, 3)
    h.propose(3, "a", "rejected", note="n")
    again = Household.replay(h.id, enumerate(h.pending_events, start=1))
    review = again.review
    assert review is not None
    assert (review.id, review.status, review.proposed_by, review.proposal, review.note) == (
        3, "proposed", "a", "rejected", "n")
    with pytest.raises(Forbidden):
        again.answer_proposal(3, "a", approve=False)
