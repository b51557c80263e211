"""The rules of what the grievance service asks, without a database: a grievance flags a household once per case
(also after a replay), joins an open review, and never touches an erased household; a registration request is
opened once, completed inside its region only, and then changes no more."""

from __future__ import annotations

from uuid import uuid4

import pytest

from gotong.domain.errors import InvalidTransition, ValidationFailed
from registry.domain.household import Household, events
from registry.domain.requests import RegistrationRequest, in_region, request_id_for

from .test_household_rules import family


def replayed(h: Household) -> Household:
    return Household.replay(h.id, ((i + 1, e) for i, e in enumerate(h.pending_events)))


def test_a_grievance_flags_a_verified_household_once_even_after_a_replay():
    h = family("m2")
    h.verified(["nik"])
    case = str(uuid4())
    assert h.flag_for_grievance(case, "inclusion", "grievance", review_id=7) is True
    assert h.verification == "flagged"
    assert h.open_review is not None
    assert h.open_review.id == 7
    again = replayed(h)
    assert again.flag_for_grievance(case, "inclusion", "grievance", review_id=8) is False
    assert again.pending_events == [], "nothing recorded: this case flagged it already"
    assert again.version == h.version


def test_a_second_case_joins_the_open_review_with_both_reasons():
    h = family("m2")
    h.flagged([{"code": "duplicate_kk"}], review_id=3)
    h.flag_for_grievance("case-1", "desil", "grievance", review_id=None)
    review = h.open_review
    assert review is not None
    assert review.id == 3
    assert [r["code"] for r in review.reasons] == ["duplicate_kk", "grievance_upheld"]


def test_an_erased_household_and_a_bad_reason_are_refused():
    h = family("m2")
    with pytest.raises(ValidationFailed) as bad:
        h.flag_for_grievance("case-1", "karena iri", "grievance")  # type: ignore[arg-type]
    assert bad.value.field == "reason"
    h.erase("subject_request", "470/12/DS/2026")
    with pytest.raises(InvalidTransition):
        h.flag_for_grievance("case-2", "inclusion", "grievance")


def test_a_request_is_completed_inside_its_region_once():
    rid = request_id_for("grievance", "case-9")
    assert rid == request_id_for("grievance", "case-9")
    assert rid != request_id_for("grievance", "case-10")
    r = RegistrationRequest.open(rid, "32.73", "grievance", "case-9", "grievance")
    with pytest.raises(ValidationFailed) as outside:
        r.complete(uuid4(), "33.01.01.2001", "desa-1")
    assert outside.value.field == "village_code"
    r.complete(uuid4(), "32.73.01.1001", "desa-1")
    assert r.status == "completed"
    with pytest.raises(InvalidTransition):
        r.decline("duplicate_request", "desa-1")
    back = RegistrationRequest.replay(rid, ((i + 1, events.decode(e.event_type, e.schema_version, e.to_data()))
                                            for i, e in enumerate(r.pending_events)))
    assert back.view() == r.view()


def test_a_region_contains_its_villages_only():
    assert in_region("32.73.01.1001", "32.73")
    assert in_region("32.73.01.1001", "32.73.01.1001")
    assert not in_region("32.731.01.1001", "32.73")
    assert not in_region("32.74.01.1001", "32.73")
