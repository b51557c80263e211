"""An agreement's and a partner's whole state through their lives, as the read model shows them, and the
refusals that the lifecycle tests matched only by a word."""

from datetime import date
from uuid import UUID

import pytest

from gotong.domain.errors import InvalidTransition, ValidationFailed
from partnership.domain.agreement import Agreement
from partnership.domain.events import PartyTerm
from partnership.domain.partner import Partner

SHA = "ab" * 32


def drafted() -> Agreement:
    return Agreement.draft(UUID(int=3), kind="pks", title="PKS TPST", purpose="Pengolahan sampah",
                           starts_on=date(2026, 1, 1), ends_on=date(2027, 12, 31), parent_agreement_id="mou-1",
                           parties=[PartyTerm(partner_id="p-gov", role="pemberi kerja"),
                                    PartyTerm(partner_id="p-campus", role="pelaksana")])


def test_an_agreements_whole_state_through_its_life():
    a = drafted()
    a.add_party("p-industry", "pendana")
    a.remove_party("p-industry")
    a.change_term(date(2026, 2, 1), date(2027, 12, 31))
    a.attach_document(SHA.upper(), "PKS bertanda tangan")
    a.sign(["p-campus", "p-gov"], date(2026, 1, 20))
    assert a.to_state() == {
        "id": str(UUID(int=3)), "kind": "pks", "title": "PKS TPST", "purpose": "Pengolahan sampah",
        "starts_on": "2026-02-01", "ends_on": "2027-12-31",
        "parties": [{"partner_id": "p-gov", "role": "pemberi kerja"}, {"partner_id": "p-campus", "role": "pelaksana"}],
        "documents": [{"sha256": SHA, "title": "PKS bertanda tangan"}], "status": "signed",
        "previous_status": "draft", "parent_agreement_id": "mou-1", "signed_on": "2026-01-20",
        "effective_on": "2026-01-20", "termination_reason": None, "version": 6}
    assert a.binding_on(date(2027, 12, 31))
    assert not a.binding_on(date(2028, 1, 1))
    a.activate(date(2026, 2, 1))
    a.terminate(date(2026, 6, 30), "dana tidak tersedia")
    state = a.to_state()
    assert (state["status"], state["previous_status"], state["effective_on"], state["termination_reason"]) == (
        "terminated", "active", "2026-06-30", "dana tidak tersedia")
    assert not a.binding_on(date(2026, 7, 1))
    assert Agreement.replay(a.id, enumerate(a.pending_events, start=1)).to_state() == a.to_state()


@pytest.mark.parametrize(("act", "detail", "field"), [
    (lambda a: a.add_party("p-gov", "x"), "this partner is a party already", "partner_id"),
    (lambda a: a.remove_party("p-x"), "this partner is not a party to the agreement", "partner_id"),
    (lambda a: a.change_term(date(2026, 2, 1), date(2026, 1, 31)), "the term must end on or after it starts",
     "ends_on"),
    (lambda a: a.attach_document("xyz", "t"), "must be a SHA-256 digest: 64 hexadecimal characters", "sha256"),
    (lambda a: a.sign(["p-gov", "p-campus", "p-x"], date(2026, 1, 2)), "not parties to this agreement: p-x",
     "signed_by"),
    (lambda a: a.sign(["p-gov"], date(2026, 1, 2)), "every party must sign; not signed by: p-campus", "signed_by"),
    (lambda a: a.sign(["p-gov", "p-campus"], date(2026, 1, 2)),
     "attach the signed document (its SHA-256) before signing", "documents"),
    (lambda a: a.activate(date(2026, 1, 2)), "the agreement is draft; only a signed agreement can become active",
     "status"),
    (lambda a: a.end(date(2028, 1, 1)), "the agreement is draft; only an active agreement ends", "status"),
    (lambda a: a.terminate(date(2026, 1, 2), "r"),
     "the agreement is draft; only a signed or active agreement can be terminated", "status"),
])
def test_draft_refusals_are_whole(act, detail, field):
    a = drafted()
    with pytest.raises((InvalidTransition, ValidationFailed)) as err:
        act(a)
    assert (err.value.detail, err.value.field) == (detail, field)


def test_signed_agreement_refusals_are_whole():
    a = drafted()
    a.attach_document(SHA, "PKS")
    with pytest.raises(InvalidTransition) as err:
        a.attach_document(SHA, "lagi")
    assert (err.value.detail, err.value.field) == ("this document is attached already", "sha256")
    with pytest.raises(InvalidTransition) as err:
        a.sign(["p-gov", "p-campus"], date(2028, 1, 1))
    assert (err.value.detail, err.value.field) == ("the term ended on 2027-12-31; it cannot be signed after",
                                                   "signed_on")
    a.sign(["p-gov", "p-campus"], date(2026, 1, 5))
    with pytest.raises(InvalidTransition) as err:
        a.add_party("p-x", "r")
    assert (err.value.detail, err.value.field) == (
        "the agreement is signed; parties can be added only while it is a draft", "status")
    for day, detail in ((date(2025, 12, 31), "the term starts on 2026-01-01"),
                        (date(2028, 1, 1), "the term ended on 2027-12-31")):
        with pytest.raises(InvalidTransition) as err:
            a.activate(day)
        assert (err.value.detail, err.value.field) == (detail, "effective_on")
    with pytest.raises(InvalidTransition) as err:
        a.terminate(date(2026, 1, 4), "r")
    assert (err.value.detail, err.value.field) == ("it was signed on 2026-01-05", "effective_on")
    a.activate(date(2026, 1, 1))
    with pytest.raises(InvalidTransition) as err:
        a.end(date(2027, 12, 30))
    assert (err.value.detail, err.value.field) == (
        "the term runs until 2027-12-31; to stop earlier, terminate it", "effective_on")
    a.end(date(2027, 12, 31))
    assert (a.status, a.previous_status) == ("ended", "active")
    with pytest.raises(InvalidTransition) as err:
        a.attach_document("cd" * 32, "t")
    assert (err.value.detail, err.value.field) == ("the agreement is ended; no documents can be attached", "status")


def test_an_mou_implements_no_parent_and_lists_each_party_once():
    with pytest.raises(ValidationFailed) as err:
        Agreement.draft(UUID(int=4), kind="mou", title="t", purpose="p", starts_on=date(2026, 1, 1),
                        ends_on=date(2026, 12, 31), parties=[], parent_agreement_id="mou-0")
    assert (err.value.detail, err.value.field) == ("only a PKS implements a parent MoU", "parent_agreement_id")
    with pytest.raises(ValidationFailed) as err:
        Agreement.draft(UUID(int=4), kind="mou", title="t", purpose="p", starts_on=date(2026, 1, 1),
                        ends_on=date(2026, 12, 31), parties=[PartyTerm(partner_id="a", role="r")] * 2)
    assert (err.value.detail, err.value.field) == ("a partner is listed twice", "parties.1.partner_id")
    one = Agreement.draft(UUID(int=5), kind="mou", title="t", purpose="p", starts_on=date(2026, 1, 1),
                          ends_on=date(2026, 12, 31), parties=[PartyTerm(partner_id="a", role="r")])
    with pytest.raises(InvalidTransition) as err:
        one.sign(["a"], date(2026, 1, 2))
    assert (err.value.detail, err.value.field) == ("an agreement needs at least two parties before it is signed",
                                                   "parties")


def test_a_partners_whole_state_through_its_life():
    p = Partner.enrol(UUID(int=9), name="PT Semen", strand="industry", kind="bumn", region_code="35.78",
                      nib="9120001234567", website="https://semen.example.id")
    p.deactivate("kontrak selesai")
    assert p.to_state() == {"id": str(UUID(int=9)), "name": "PT Semen", "strand": "industry", "kind": "bumn",
                            "region_code": "35.78", "nib": "9120001234567", "website": "https://semen.example.id",
                            "status": "inactive", "deactivation_reason": "kontrak selesai", "version": 2}
    with pytest.raises(InvalidTransition) as err:
        p.deactivate("lagi")
    assert (err.value.detail, err.value.field) == ("the partner is inactive already", "status")
    p.reactivate()
    assert (p.status, p.deactivation_reason) == ("active", None)
    with pytest.raises(InvalidTransition) as err:
        p.reactivate()
    assert (err.value.detail, err.value.field) == ("the partner is active already", "status")
    with pytest.raises(ValidationFailed) as err:
        Partner.enrol(UUID(int=10), name="ITS", strand="campus", kind="university", region_code="35", nib="1" * 13)
    assert (err.value.detail, err.value.field) == ("a NIB (business number) belongs to companies and cooperatives",
                                                   "nib")
    with pytest.raises(ValidationFailed) as err:
        Partner.enrol(UUID(int=10), name="ITS", strand="campus", kind="company", region_code="35")
    assert err.value.field == "kind"
    assert err.value.detail.startswith("a campus partner's kind is one of: university, institute")
