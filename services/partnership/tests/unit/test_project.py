"""Projects: running → completed (no open milestone) or cancelled, both final; contributions committed vs
delivered; milestones with evidence and overdue flags; KPIs against targets."""

from datetime import date
from uuid import uuid4

import pytest

from gotong.domain.errors import InvalidTransition, NotFound, ValidationFailed
from partnership.domain.events import PartyTerm
from partnership.domain.project import Project

GOV, CAMPUS, INDUSTRY = "p-gov", "p-campus", "p-industry"
START = date(2026, 1, 1)
SHA = "ef" * 32


def project() -> Project:
    return Project.start(uuid4(), title="TPST Surabaya", goals=["kurangi sampah"], region_code="35.78",
                         budget=12_500_000_000, sdgs=[11, 12], starts_on=START, ends_on=date(2028, 12, 31),
                         partners=[PartyTerm(partner_id=p, role="r") for p in (GOV, CAMPUS, INDUSTRY)],
                         agreement_ids=["a-1"])


def commit(p: Project, cid: str = "c1", partner: str = GOV, kind: str = "money", value: int = 1_000_000,
           quantity: float | None = None, unit: str | None = None) -> None:
    p.commit_contribution(cid, partner_id=partner, kind=kind, description="APBD", value_rupiah=value,  # type: ignore[arg-type]
                          quantity=quantity, unit=unit)


def deliver(p: Project, cid: str = "c1", value: int = 0, quantity: float | None = None) -> None:
    p.deliver_contribution(cid, value_rupiah=value, quantity=quantity, delivered_on=date(2026, 5, 1),
                           evidence_sha256=None)


# -- lifecycle --------------------------------------------------------------------------------------------

def test_running_project_completes_when_no_milestone_is_open():
    p = project()
    p.plan_milestone("m1", "Studi kelayakan", date(2026, 3, 1))
    p.complete_milestone("m1", date(2026, 2, 20), SHA, None)
    p.complete(date(2026, 12, 1), "TPST beroperasi 100 ton/hari")
    assert (p.status, p.closed_on) == ("completed", date(2026, 12, 1))


def test_completion_with_open_milestones_is_refused_and_names_them():
    p = project()
    p.plan_milestone("m1", "Uji coba operasi", date(2026, 3, 1))
    with pytest.raises(InvalidTransition) as refused:
        p.complete(date(2026, 12, 1), "selesai")
    assert (refused.value.field, "Uji coba operasi" in refused.value.detail) == ("milestones", True)


def test_running_project_can_be_cancelled():
    p = project()
    p.cancel(date(2026, 6, 1), "anggaran dialihkan")
    assert (p.status, p.closing_note) == ("cancelled", "anggaran dialihkan")


CLOSING = {"complete": lambda p: p.complete(date(2026, 12, 1), "selesai"),
           "cancel": lambda p: p.cancel(date(2026, 12, 1), "batal")}


@pytest.mark.parametrize(("first", "then"), [(a, b) for a in CLOSING for b in CLOSING])
def test_completed_and_cancelled_are_final(first, then):
    p = project()
    CLOSING[first](p)
    with pytest.raises(InvalidTransition) as refused:
        CLOSING[then](p)
    assert refused.value.field == "status"


CHANGES = {
    "add_partner": lambda p: p.add_partner("p-community", "pendamping"),
    "link_agreement": lambda p: p.link_agreement("a-2"),
    "commit": lambda p: commit(p, "c9"),
    "deliver": lambda p: deliver(p, "c1", 1),
    "plan_milestone": lambda p: p.plan_milestone("m9", "x", date(2026, 9, 1)),
    "define_kpi": lambda p: p.define_kpi("k9", "x", "unit", 0, 1),
    "measure_kpi": lambda p: p.measure_kpi("k1", 5, date(2026, 9, 1), None),
}


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("closing", CLOSING)
def test_a_closed_project_takes_no_more_changes(change, closing):
    p = project()
    commit(p)
    p.define_kpi("k1", "x", "unit", 0, 10)
    CLOSING[closing](p)
    with pytest.raises(InvalidTransition) as refused:
        CHANGES[change](p)
    assert "the project is" in refused.value.detail


def test_outcomes_are_recorded_after_completion_but_not_after_cancellation():
    done, cancelled = project(), project()
    done.complete(date(2026, 12, 1), "selesai")
    done.record_outcome("o1", "Sampah ke TPA turun 12%", date(2027, 1, 10))
    assert done.outcomes[0]["statement"] == "Sampah ke TPA turun 12%"
    cancelled.cancel(date(2026, 6, 1), "batal")
    with pytest.raises(InvalidTransition):
        cancelled.record_outcome("o1", "apa pun", date(2026, 7, 1))


# -- contributions ----------------------------------------------------------------------------------------

def test_commitments_vs_deliveries_per_partner_and_kind():
    p = project()
    commit(p, "c1", GOV, "money", 5_000_000_000)
    commit(p, "c2", GOV, "facilities", 2_000_000_000)
    commit(p, "c3", CAMPUS, "expertise", 900_000_000, 240, "person-days")
    deliver(p, "c1", 3_000_000_000)
    deliver(p, "c1", 500_000_000)
    deliver(p, "c2", 2_000_000_000)
    deliver(p, "c3", 450_000_000, 120)
    totals = p.totals_by_partner()
    assert totals[GOV]["committed_rupiah"] == 7_000_000_000
    assert totals[GOV]["delivered_rupiah"] == 5_500_000_000
    assert totals[GOV]["outstanding_rupiah"] == 1_500_000_000
    assert totals[GOV]["by_kind"]["money"] == {"committed_rupiah": 5_000_000_000, "delivered_rupiah": 3_500_000_000}
    assert totals[CAMPUS]["delivered_rupiah"] == 450_000_000
    assert p.contributions["c3"].delivered_quantity == 120
    assert totals[INDUSTRY] == {"committed_rupiah": 0, "delivered_rupiah": 0, "by_kind": {},
                                "outstanding_rupiah": 0}


def test_delivering_more_than_committed_is_refused():
    p = project()
    commit(p, "c1", value=1_000_000)
    deliver(p, "c1", 600_000)
    with pytest.raises(InvalidTransition) as refused:
        deliver(p, "c1", 500_000)
    assert refused.value.field == "value_rupiah"
    assert "Rp 1.100.000 of Rp 1.000.000" in refused.value.detail
    commit(p, "c2", kind="research_output", value=0, quantity=2, unit="publications")
    with pytest.raises(InvalidTransition) as quantity:
        deliver(p, "c2", quantity=3)
    assert quantity.value.field == "quantity"


def test_contribution_rules_name_the_field():
    p = project()
    cases = [
        ({"partner": "p-stranger"}, InvalidTransition, "partner_id"),
        ({"kind": "money", "value": 0}, ValidationFailed, "value_rupiah"),
        ({"kind": "in_kind", "value": -1}, ValidationFailed, "value_rupiah"),
        ({"kind": "expertise", "value": 0, "quantity": 10}, ValidationFailed, "unit"),
        ({"kind": "expertise", "value": 0, "unit": "person-days"}, ValidationFailed, "quantity"),
        ({"kind": "expertise", "value": 0, "quantity": -1, "unit": "person-days"}, ValidationFailed, "quantity"),
        ({"kind": "facilities", "value": 0}, ValidationFailed, "value_rupiah"),
    ]
    for kwargs, error, field in cases:
        with pytest.raises(error) as refused:
            commit(p, **kwargs)
        assert refused.value.field == field, kwargs
    with pytest.raises(NotFound) as missing:
        deliver(p, "c-none", 1)
    assert missing.value.field == "contribution_id"
    commit(p, "c1")
    with pytest.raises(ValidationFailed) as empty:
        deliver(p, "c1")
    assert empty.value.field == "value_rupiah"
    with pytest.raises(ValidationFailed) as no_quantity:
        deliver(p, "c1", 1, quantity=2)
    assert no_quantity.value.field == "quantity"


# -- milestones -------------------------------------------------------------------------------------------

def test_milestones_are_due_overdue_or_done_as_of_a_date():
    p = project()
    p.plan_milestone("m1", "Desain", date(2026, 3, 1))
    p.plan_milestone("m2", "Pemasangan mesin", date(2026, 6, 1))
    p.plan_milestone("m3", "Uji coba", date(2026, 9, 1))
    p.complete_milestone("m1", date(2026, 3, 5), None, "https://example.go.id/laporan.pdf")
    assert p.milestone_counts(date(2026, 6, 1)) == {"done": 1, "due": 2, "overdue": 0}, "due on the day is not late"
    assert p.milestone_counts(date(2026, 6, 2)) == {"done": 1, "due": 1, "overdue": 1}
    assert p.milestone_counts(date(2027, 1, 1)) == {"done": 1, "due": 0, "overdue": 2}


def test_overdue_milestones_are_flagged_once_and_again_after_rescheduling():
    p = project()
    p.plan_milestone("m1", "Konektivitas 50 desa", date(2026, 3, 1))
    assert p.flag_overdue(date(2026, 3, 1)) == []
    assert p.flag_overdue(date(2026, 3, 2)) == ["m1"]
    assert p.flag_overdue(date(2026, 3, 9)) == [], "flagged already"
    p.reschedule_milestone("m1", date(2026, 5, 1), "perangkat terlambat dari pabrik")
    assert p.milestones["m1"].flagged_overdue_on is None
    assert p.flag_overdue(date(2026, 4, 1)) == []
    assert p.flag_overdue(date(2026, 5, 2)) == ["m1"]


def test_milestone_rules():
    p = project()
    with pytest.raises(ValidationFailed) as early:
        p.plan_milestone("m0", "x", date(2025, 12, 31))
    assert early.value.field == "due_on"
    p.plan_milestone("m1", "x", date(2026, 3, 1))
    with pytest.raises(ValidationFailed) as no_evidence:
        p.complete_milestone("m1", date(2026, 3, 1), None, None)
    assert no_evidence.value.field == "evidence"
    with pytest.raises(ValidationFailed) as bad_hash:
        p.complete_milestone("m1", date(2026, 3, 1), "xyz", None)
    assert bad_hash.value.field == "evidence.sha256"
    with pytest.raises(ValidationFailed) as plain_http:
        p.complete_milestone("m1", date(2026, 3, 1), None, "http://example.com/x")
    assert plain_http.value.field == "evidence.url"
    p.complete_milestone("m1", date(2026, 3, 1), SHA.upper(), None)
    assert p.milestones["m1"].evidence_sha256 == SHA
    with pytest.raises(InvalidTransition) as twice:
        p.complete_milestone("m1", date(2026, 3, 2), SHA, None)
    assert twice.value.field == "milestone_id"
    with pytest.raises(InvalidTransition):
        p.reschedule_milestone("m1", date(2026, 4, 1), "x")
    with pytest.raises(NotFound):
        p.complete_milestone("m-none", date(2026, 3, 1), SHA, None)


# -- KPIs -------------------------------------------------------------------------------------------------

def test_kpi_progress_from_baseline_to_target_either_direction():
    p = project()
    p.define_kpi("olah", "Sampah diolah", "ton/hari", 0, 100)
    p.define_kpi("tpa", "Sampah ke TPA", "persen", 100, 70)
    p.measure_kpi("olah", 40, date(2026, 3, 1), None)
    p.measure_kpi("olah", 65, date(2026, 6, 1), None)
    p.measure_kpi("tpa", 88, date(2026, 6, 1), None)
    assert (p.kpis["olah"].actual, p.kpis["olah"].progress) == (65, 0.65)
    assert p.kpis["tpa"].progress == 0.4  # 100 → 88 of the way to 70
    with pytest.raises(ValidationFailed) as backwards:
        p.measure_kpi("olah", 70, date(2026, 5, 1), None)
    assert backwards.value.field == "measured_on"
    with pytest.raises(InvalidTransition):
        p.define_kpi("olah", "again", "x", 0, 1)
    with pytest.raises(ValidationFailed) as flat:
        p.define_kpi("flat", "x", "x", 5, 5)
    assert flat.value.field == "target"
    with pytest.raises(NotFound):
        p.measure_kpi("none", 1, date(2026, 7, 1), None)


def test_start_rules_name_the_field():
    def start(**kw):
        args = {"title": "t", "goals": ["g"], "region_code": "35.78", "budget": 1, "sdgs": [11],
                "starts_on": START, "ends_on": None, "partners": [], "agreement_ids": []}
        return Project.start(uuid4(), **{**args, **kw})

    for kw, field in [({"ends_on": date(2025, 1, 1)}, "ends_on"), ({"sdgs": [18]}, "sdgs"),
                      ({"partners": [PartyTerm(partner_id="a", role="r")] * 2}, "partners.1.partner_id"),
                      ({"agreement_ids": ["a", "a"]}, "agreement_ids")]:
        with pytest.raises(ValidationFailed) as refused:
            start(**kw)
        assert refused.value.field == field
    p = start()
    p.add_partner(GOV, "regulator")
    with pytest.raises(InvalidTransition):
        p.add_partner(GOV, "again")
    p.link_agreement("a-1")
    with pytest.raises(InvalidTransition):
        p.link_agreement("a-1")
