"""The case's rules, in memory: the workflow, four eyes, one appeal, anonymity, references never a NIK."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from gotong.domain.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed
from grievance.domain.case import Case

NOW = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
HOUSEHOLD = str(uuid4())


def received(kind="sanggah", category="inclusion", channel="public", anonymous=False, subject_ref=HOUSEHOLD,
             reporter="sealed-reporter") -> Case:
    return Case.receive(uuid4(), kind=kind, category=category, channel=channel, region_code="32.73.01.1001",
                        tracking_number="GRV-AAAA-BBBB-CCCC", subject_ref=subject_ref, anonymous=anonymous,
                        sealed_details="sealed-details", sealed_reporter=reporter, submitted_by="public", now=NOW)


def investigating(**kw) -> Case:
    case = received(**kw)
    case.triage("officer-bandung", "triager", NOW)
    case.investigate(True, "officer-bandung", NOW)
    return case


def test_a_case_moves_from_received_to_closed():
    case = investigating()
    assert case.attach_evidence("AB" * 32, "image/jpeg", "officer-bandung", NOW)
    assert not case.attach_evidence("ab" * 32, "image/jpeg", "officer-bandung", NOW), "same evidence twice"
    case.propose_decision("rejected", "not_verified", "officer-bandung", NOW)
    case.decide("officer-bandung", NOW)  # a rejection changes no data: its proposer may confirm it
    case.close("officer-bandung", NOW)
    assert (case.status, case.outcome, case.reason_code, case.version) == ("closed", "rejected", "not_verified", 7)
    assert case.evidence == [{"sha256": "ab" * 32, "media_type": "image/jpeg", "attached_at": NOW.isoformat()}]


def test_the_proposer_of_an_upheld_decision_cannot_decide_it():
    case = investigating()
    case.propose_decision("upheld", "verified_in_field", "officer-a", NOW)
    with pytest.raises(Forbidden):
        case.decide("officer-a", NOW)
    case.decide("officer-b", NOW)
    assert (case.status, case.outcome, case.follow_up) == ("decided", "upheld", "registry_review")


def test_an_upheld_wrong_amount_complaint_asks_for_a_reconciliation_exception_not_a_reissue():
    case = investigating(kind="payment_complaint", category="wrong_amount")
    case.propose_decision("upheld", "documents_confirm", "officer-a", NOW)
    case.decide("officer-b", NOW)
    assert case.follow_up == "disbursement_exception"
    with pytest.raises(Conflict):
        case.record_follow_up("disbursement_reissue", "done", 200, "accepted", NOW)
    case.record_follow_up("disbursement_exception", "done", 201, "accepted", NOW)
    case.close("officer-a", NOW)
    assert case.status == "closed"


def test_an_upheld_case_closes_only_after_the_owner_answered():
    case = investigating(kind="payment_complaint", category="not_received")
    case.propose_decision("upheld", "payment_not_delivered", "officer-a", NOW)
    case.decide("officer-b", NOW)
    assert case.follow_up == "disbursement_reissue"
    with pytest.raises(InvalidTransition):
        case.close("officer-a", NOW)
    case.record_follow_up("disbursement_reissue", "done", 200, "accepted", NOW)
    case.close("officer-a", NOW)
    assert case.status == "closed"
    assert case.follow_ups[0]["result"] == "done"


def test_steps_cannot_be_skipped():
    case = received()
    with pytest.raises(InvalidTransition):
        case.investigate(True, "x", NOW)
    with pytest.raises(InvalidTransition):
        case.propose_decision("rejected", "not_verified", "x", NOW)
    case.triage("officer", "x", NOW)
    with pytest.raises(InvalidTransition):
        case.decide("y", NOW)
    case.investigate(True, "x", NOW)
    with pytest.raises(InvalidTransition, match="no decision is proposed"):
        case.decide("y", NOW)


def test_a_reason_must_fit_the_outcome():
    case = investigating()
    with pytest.raises(ValidationFailed) as err:
        case.propose_decision("upheld", "not_verified", "x", NOW)
    assert err.value.field == "reason_code"


def test_a_case_has_one_appeal_with_a_new_deadline():
    case = investigating()
    case.propose_decision("rejected", "not_verified", "a", NOW)
    case.decide("a", NOW)
    case.close("a", NOW)
    later = NOW + timedelta(days=20)
    case.appeal("public", later)
    assert case.status == "investigating"
    assert case.due_at == (later + timedelta(days=14)).isoformat()
    case.propose_decision("upheld", "documents_confirm", "a", later)
    case.decide("b", later)
    case.record_follow_up("registry_review", "refused", 409, "conflict", later)
    with pytest.raises(Conflict, match="one appeal"):
        case.appeal("public", later)


def test_an_anonymous_sanggah_keeps_no_reporter():
    case = received(anonymous=True)
    assert case.anonymous
    assert case.sealed_reporter is None
    assert case.pending_events[0].sealed_reporter is None  # type: ignore[attr-defined]


def test_only_a_sanggah_may_be_anonymous_and_only_officers_propose_an_usul():
    with pytest.raises(ValidationFailed):
        received(kind="payment_complaint", category="not_received", anonymous=True)
    with pytest.raises(Forbidden):
        received(kind="usul", category="registration", subject_ref=None)
    assert received(kind="usul", category="registration", channel="officer", subject_ref=None).status == "received"


@pytest.mark.parametrize(("field", "kw"), [
    ("category", {"category": "not_received"}),
    ("subject_ref", {"subject_ref": "3273010101900001"}),
    ("subject_ref", {"subject_ref": None}),
])
def test_bad_submissions_name_the_field_and_never_echo_it(field, kw):
    with pytest.raises(ValidationFailed) as err:
        received(**kw)
    assert err.value.field == field
    assert "3273010101900001" not in str(err.value)


def test_erasure_forgets_the_sealed_fields_once():
    case = received()
    case.erase_personal_data("supervisor", NOW)
    assert case.erased
    assert case.sealed_details == ""
    assert case.sealed_reporter is None
    with pytest.raises(Conflict):
        case.erase_personal_data("supervisor", NOW)
