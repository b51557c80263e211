"""Agreement (MoU/PKS) lifecycle: every transition allowed from where it is allowed, refused (409, naming
why) from everywhere else; and the guards on signing, activating, ending and terminating."""

from datetime import date
from uuid import uuid4

import pytest

from gotong.domain.errors import InvalidTransition, ValidationFailed
from partnership.domain.agreement import Agreement
from partnership.domain.events import PartyTerm

GOV, CAMPUS, INDUSTRY = "p-gov", "p-campus", "p-industry"
DOC = "ab" * 32
START, END = date(2026, 1, 1), date(2028, 12, 31)


def draft(parties=(GOV, CAMPUS, INDUSTRY), doc=True) -> Agreement:
    a = Agreement.draft(uuid4(), kind="mou", title="MoU Sampah", purpose="x", starts_on=START, ends_on=END,
                        parties=[PartyTerm(partner_id=p, role="r") for p in parties])
    if doc:
        a.attach_document(DOC, "MoU ditandatangani")
    return a


def in_status(status: str) -> Agreement:
    a = draft()
    if status == "draft":
        return a
    a.sign([GOV, CAMPUS, INDUSTRY], date(2026, 1, 10))
    if status == "signed":
        return a
    if status == "terminated":
        a.terminate(date(2026, 2, 1), "mitra industri mundur")
        return a
    a.activate(date(2026, 1, 15))
    if status == "ended":
        a.end(END)
    return a


TRANSITIONS = {
    "sign": (lambda a: a.sign([GOV, CAMPUS, INDUSTRY], date(2026, 1, 10)), {"draft"}, "signed"),
    "activate": (lambda a: a.activate(date(2026, 3, 1)), {"signed"}, "active"),
    "end": (lambda a: a.end(END), {"active"}, "ended"),
    "terminate": (lambda a: a.terminate(date(2026, 3, 1), "force majeure"), {"signed", "active"}, "terminated"),
}
STATUSES = ["draft", "signed", "active", "ended", "terminated"]


@pytest.mark.parametrize(("op", "status"), [(op, s) for op in TRANSITIONS for s in STATUSES])
def test_each_transition_is_allowed_only_from_its_states(op, status):
    act, allowed_from, target = TRANSITIONS[op]
    a = in_status(status)
    version = a.version
    if status in allowed_from:
        act(a)
        assert a.status == target
        assert a.previous_status == status
        assert a.version == version + 1
    else:
        with pytest.raises(InvalidTransition) as refused:
            act(a)
        assert refused.value.field == "status"
        assert f"the agreement is {status}" in refused.value.detail
        assert a.version == version, "a refused transition records nothing"


DRAFT_ONLY = {
    "add_party": lambda a: a.add_party("p-community", "pendamping"),
    "remove_party": lambda a: a.remove_party(INDUSTRY),
    "change_term": lambda a: a.change_term(START, date(2029, 1, 1)),
}


@pytest.mark.parametrize(("op", "status"), [(op, s) for op in DRAFT_ONLY for s in STATUSES])
def test_parties_and_term_change_only_in_draft(op, status):
    a = in_status(status)
    if status == "draft":
        DRAFT_ONLY[op](a)
        return
    with pytest.raises(InvalidTransition) as refused:
        DRAFT_ONLY[op](a)
    assert "only while it is a draft" in refused.value.detail


@pytest.mark.parametrize("status", STATUSES)
def test_documents_attach_until_the_agreement_is_over(status):
    a = in_status(status)
    if status in ("ended", "terminated"):
        with pytest.raises(InvalidTransition):
            a.attach_document("cd" * 32, "Addendum")
    else:
        a.attach_document("CD" * 32, "Addendum")
        assert a.documents[-1]["sha256"] == "cd" * 32, "hashes are normalised to lower case"


def test_signing_needs_every_listed_party():
    a = draft()
    with pytest.raises(InvalidTransition) as refused:
        a.sign([GOV, CAMPUS], date(2026, 1, 10))
    assert refused.value.field == "signed_by"
    assert INDUSTRY in refused.value.detail
    assert refused.value.extra["missing"] == [INDUSTRY]


def test_signing_by_someone_not_a_party_is_invalid():
    with pytest.raises(ValidationFailed) as refused:
        draft().sign([GOV, CAMPUS, INDUSTRY, "p-stranger"], date(2026, 1, 10))
    assert (refused.value.field, "p-stranger" in refused.value.detail) == ("signed_by", True)


def test_signing_needs_two_parties_and_a_document():
    with pytest.raises(InvalidTransition) as alone:
        draft(parties=(GOV,)).sign([GOV], date(2026, 1, 10))
    assert alone.value.field == "parties"
    with pytest.raises(InvalidTransition) as undocumented:
        draft(doc=False).sign([GOV, CAMPUS, INDUSTRY], date(2026, 1, 10))
    assert undocumented.value.field == "documents"


def test_signing_after_the_term_ran_out_is_refused():
    with pytest.raises(InvalidTransition) as late:
        draft().sign([GOV, CAMPUS, INDUSTRY], date(2029, 1, 1))
    assert late.value.field == "signed_on"


def test_activation_happens_within_the_term():
    early = in_status("signed")
    with pytest.raises(InvalidTransition) as refused:
        early.activate(date(2025, 12, 31))
    assert (refused.value.field, "starts on 2026-01-01" in refused.value.detail) == ("effective_on", True)
    with pytest.raises(InvalidTransition):
        in_status("signed").activate(date(2029, 1, 1))


def test_ending_before_the_term_is_over_is_a_termination():
    a = in_status("active")
    with pytest.raises(InvalidTransition) as refused:
        a.end(date(2027, 6, 1))
    assert "terminate it" in refused.value.detail
    a.terminate(date(2027, 6, 1), "program dihentikan pemda")
    assert (a.status, a.termination_reason) == ("terminated", "program dihentikan pemda")


def test_termination_cannot_predate_the_signature():
    with pytest.raises(InvalidTransition) as refused:
        in_status("active").terminate(date(2026, 1, 5), "x")
    assert refused.value.field == "effective_on"


def test_bad_input_names_the_field():
    with pytest.raises(ValidationFailed) as term:
        Agreement.draft(uuid4(), kind="mou", title="t", purpose="p", starts_on=END, ends_on=START, parties=[])
    assert term.value.field == "ends_on"
    with pytest.raises(ValidationFailed) as twice:
        draft(parties=(GOV, CAMPUS, GOV))
    assert twice.value.field == "parties.2.partner_id"
    with pytest.raises(ValidationFailed) as parent:
        Agreement.draft(uuid4(), kind="mou", title="t", purpose="p", starts_on=START, ends_on=END, parties=[],
                        parent_agreement_id="x")
    assert parent.value.field == "parent_agreement_id"
    with pytest.raises(ValidationFailed) as digest:
        draft().attach_document("not-a-hash", "x")
    assert digest.value.field == "sha256"
    with pytest.raises(InvalidTransition) as duplicate:
        draft().attach_document(DOC, "again")
    assert duplicate.value.field == "sha256"
    with pytest.raises(InvalidTransition):
        draft().add_party(GOV, "again")
    with pytest.raises(ValidationFailed):
        draft().remove_party("p-nobody")


def test_replay_rebuilds_the_same_state():
    from partnership.domain.events import registry

    a = in_status("ended")
    events = [(i + 1, registry.decode(e.event_type, e.schema_version, e.to_data()))
              for i, e in enumerate(a.pending_events)]
    again = Agreement.replay(a.id, events)
    assert again.to_state() == a.to_state()
