"""What the aggregates record for the others, without a database: a partner's events carry when they happened,
an agreement's status events carry its public state (parties with their strands), a project announces its public
state and Triple Helix after every change (versions counting on from a legacy publication stream), and the
mapper turns exactly those into the published contract, legacy publications as stored, nothing twice."""

from datetime import UTC, date, datetime
from uuid import UUID, uuid4

import pytest
from gotong_contracts.partnership import EVENTS

from gotong.domain.clock import FixedClock
from gotong.domain.errors import ValidationFailed
from gotong.eventstore.model import EventMetadata, RecordedEvent
from partnership.application.publishing import PUBLICATION, publication_stream, publish_contract
from partnership.domain.agreement import Agreement
from partnership.domain.events import PartyTerm, registry
from partnership.domain.helix import AgreementFacts, PartnerFacts
from partnership.domain.partner import Partner, name_key
from partnership.domain.project import Project
from partnership.domain.regions import Regions
from partnership.domain.values import wib_date

CLOCK = FixedClock(datetime(2026, 11, 30, 18, 30, tzinfo=UTC))  # already 1 December in Jakarta
NOW = CLOCK.now().isoformat()
GOV, CAMPUS, INDUSTRY = "p-gov", "p-campus", "p-industry"
STRANDS = {GOV: "government", CAMPUS: "campus", INDUSTRY: "industry"}
FACTS = {p: PartnerFacts(p, p.upper(), s, "active") for p, s in STRANDS.items()}  # type: ignore[arg-type]
START, END = date(2026, 1, 1), date(2028, 12, 31)


def recorded(aggregate_id: UUID, stream_type: str, events: list, start: int = 1) -> list[RecordedEvent]:
    return [RecordedEvent(aggregate_id, stream_type, start + i, uuid4(), e.event_type, e.schema_version, e.to_data(),
                          CLOCK.now(), EventMetadata()) for i, e in enumerate(events)]


def published(events: list[RecordedEvent]) -> list[tuple[str, dict]]:
    out = []
    for e in events:
        mapped = publish_contract(e)
        if mapped is not None:
            event_type, version, data = mapped
            assert version == EVENTS[event_type].schema_version
            EVENTS[event_type].model_validate(data)
            out.append((event_type, data))
    return out


def test_the_calendar_is_jakartas():
    assert wib_date(CLOCK.now()) == date(2026, 12, 1)


def test_a_partner_publishes_its_registration_and_status_changes_only_when_told_the_time():
    p = Partner.enrol(uuid4(), name=" Institut  Teknologi Bandung", strand="campus", kind="institute",
                      region_code="32.73", nib=None, now=NOW)
    p.deactivate("kerja sama dihentikan", now=NOW)
    p.reactivate(now=NOW)
    out = published(recorded(p.id, "partner", p.pending_events))
    assert [t for t, _ in out] == ["PartnerRegistered", "PartnerStatusChanged", "PartnerStatusChanged"]
    assert out[0][1] == {"partner_id": str(p.id), "name": " Institut  Teknologi Bandung", "strand": "campus",
                         "kind": "institute", "region_code": "32.73", "province_code": "32", "occurred_at": NOW}
    assert [d["status"] for _, d in out[1:]] == ["inactive", "active"]
    assert "kerja sama" not in str(out), "the reason stays internal"
    legacy = Partner.enrol(uuid4(), name="ITS", strand="campus", kind="institute", region_code="35.78")
    assert published(recorded(legacy.id, "partner", legacy.pending_events)) == [], \
        "recorded before publishing moved here: published through its publication stream"


def test_a_partners_name_is_unique_per_strand_ignoring_case_and_spacing():
    assert name_key("government", " Pemerintah  Kota SURABAYA ") == "government:pemerintah kota surabaya"
    assert name_key("campus", "X") != name_key("industry", "X")


def drafted(**more) -> Agreement:
    return Agreement.draft(uuid4(), kind="mou", title="MoU Sampah", purpose="internal purpose", starts_on=START,
                           ends_on=END, parties=[PartyTerm(partner_id=p, role="r-" + p) for p in STRANDS],
                           documents=[("AB" * 32, "MoU")], strands=STRANDS, as_of=date(2026, 2, 1), now=NOW,
                           **more)


def test_an_agreement_publishes_each_status_with_its_parties_strands():
    a = drafted()
    assert a.documents == [{"sha256": "ab" * 32, "title": "MoU"}], "drafted with its document, hash normalised"
    a.add_party("p-unknown", "observer")
    a.sign([*STRANDS, "p-unknown"], date(2026, 1, 10), strands=STRANDS, now=NOW)
    a.activate(date(2026, 1, 15), strands=STRANDS, now=NOW)
    a.terminate(date(2026, 3, 1), "mitra mundur", strands=STRANDS, now=NOW)
    out = [d for t, d in published(recorded(a.id, "agreement", a.pending_events)) if t == "AgreementStatusChanged"]
    assert [(d["previous_status"], d["status"], d["effective_on"]) for d in out] == [
        (None, "draft", "2026-02-01"), ("draft", "signed", "2026-01-10"), ("signed", "active", "2026-01-15"),
        ("active", "terminated", "2026-03-01")]
    assert out[0]["parties"] == [{"partner_id": p, "strand": s, "role": "r-" + p} for p, s in STRANDS.items()]
    assert [p["partner_id"] for p in out[1]["parties"]] == list(STRANDS), "a party of unknown strand is left out"
    assert all(d["document_sha256"] == ["ab" * 32] and d["agreement_id"] == str(a.id) for d in out)
    assert "mitra mundur" not in str(out)
    assert "internal purpose" not in str(out)


@pytest.mark.parametrize(("documents", "detail"), [
    ([("ab" * 32, "a"), ("zz", "b")], "must be a SHA-256 digest: 64 hexadecimal characters"),
    ([("ab" * 32, "a"), ("AB" * 32, "again")], "this document is attached already"),
])
def test_a_draft_refuses_a_bad_or_repeated_document_naming_it(documents, detail):
    with pytest.raises(ValidationFailed) as refused:
        Agreement.draft(uuid4(), kind="mou", title="t", purpose="p", starts_on=START, ends_on=END, parties=[],
                        documents=documents)
    assert (refused.value.detail, refused.value.field) == (detail, "documents.1.sha256")


def test_without_the_time_an_agreement_records_nothing_to_publish():
    a = Agreement.draft(uuid4(), kind="mou", title="t", purpose="p", starts_on=START, ends_on=END, parties=[])
    assert published(recorded(a.id, "agreement", a.pending_events)) == []


def project() -> Project:
    return Project.start(uuid4(), title="TPST", goals=["kurangi sampah"], region_code="35.78", budget=1_000,
                         sdgs=[11], starts_on=START, ends_on=None,
                         partners=[PartyTerm(partner_id=p, role="r") for p in (*STRANDS, "p-gone")],
                         agreement_ids=["a-1"])


def test_a_project_announces_its_state_and_helix_after_each_change():
    p = project()
    deal = AgreementFacts("a-1", "MoU", "active", frozenset(STRANDS), END)
    first = p.announce("created", FACTS, [deal], date(2026, 2, 1), NOW)
    assert (first.version, first.helix_complete, first.strands_present) == (
        1, True, ["government", "campus", "industry"])
    assert [s.partner_id for s in first.partners] == list(STRANDS), "a partner without facts is left out"
    p.plan_milestone("m1", "Desain", date(2026, 3, 1))
    over = AgreementFacts("a-1", "MoU", "active", frozenset(STRANDS), date(2026, 3, 31))
    later = p.announce("helix_reassessed", FACTS, [over], date(2026, 4, 1), NOW)
    assert (later.version, later.helix_complete, later.helix_missing, later.milestones_overdue) == (
        2, False, ["government", "campus", "industry"], 1)
    assert (p.published_version, p.helix_complete) == (2, False)
    again = Project.replay(p.id, ((i + 1, registry.decode(e.event_type, e.schema_version, e.to_data()))
                                  for i, e in enumerate(p.pending_events)))
    assert (again.published_version, again.helix_complete, again.to_state()) == (2, False, p.to_state())
    assert "published_version" not in p.to_state(), "the state answered by the API is unchanged"
    out = published(recorded(p.id, "project", p.pending_events))
    assert [(t, d["version"], d["change"]) for t, d in out] == [("ProjectChanged", 1, "created"),
                                                                ("ProjectChanged", 2, "helix_reassessed")]


def test_a_project_from_before_counts_on_from_its_publication_stream():
    p = project()
    p.mark_saved()
    assert p.announce("partner_joined", FACTS, [], date(2026, 2, 1), NOW, published_before=7).version == 8
    assert p.announce("kpi_defined", FACTS, [], date(2026, 2, 1), NOW, published_before=7).version == 9


def test_legacy_publications_are_sent_as_stored_and_internal_events_never():
    pid = uuid4()
    legacy = RecordedEvent(publication_stream(pid), PUBLICATION, 3, uuid4(), "ProjectChanged", 1,
                           {"project_id": str(pid), "version": 3}, CLOCK.now(), EventMetadata())
    assert publish_contract(legacy) == ("ProjectChanged", 1, {"project_id": str(pid), "version": 3})
    p = project()
    p.commit_contribution("c1", partner_id=GOV, kind="money", description="APBD", value_rupiah=5,
                          quantity=None, unit=None)
    assert published(recorded(p.id, "project", p.pending_events)) == []


def test_region_codes_from_province_down_must_exist():
    regions = Regions({"35": "Jawa Timur", "35.78": "Kota Surabaya"})
    assert regions.check("35") == "35"
    assert regions.name("35.78") == "Kota Surabaya"
    with pytest.raises(ValidationFailed, match="Kepmendagri region code"):
        regions.check("35-78")
    with pytest.raises(ValidationFailed, match="not in the Kepmendagri 2025 reference") as err:
        regions.check("35.99", field="body.region_code")
    assert err.value.field == "body.region_code"
    assert Regions({}).check("99.99") == "99.99", "without reference data only the shape is checked"
