"""A project's whole state after a full life (partners, agreements, contributions and deliveries, milestones
rescheduled, done and overdue, KPIs measured, outcomes), as the read model and the API show it; each command's
refusal with its sentence and field."""

from datetime import date
from uuid import UUID

import pytest

from gotong.domain.errors import InvalidTransition, NotFound, ValidationFailed
from partnership.domain.events import PartyTerm
from partnership.domain.project import Project

SHA = "ef" * 32


def lived() -> Project:
    p = Project.start(UUID(int=7), title="TPST Surabaya", goals=["kurangi sampah", "lapangan kerja"],
                      region_code="35.78", budget=12_500_000_000, sdgs=[11, 12], starts_on=date(2026, 1, 1),
                      ends_on=date(2028, 12, 31), agreement_ids=["a-1"],
                      partners=[PartyTerm(partner_id="p-gov", role="regulator"),
                                PartyTerm(partner_id="p-campus", role="riset")])
    p.add_partner("p-industry", "pendana")
    p.link_agreement("a-2")
    p.commit_contribution("c1", partner_id="p-gov", kind="money", description="APBD", value_rupiah=2_000_000,
                          quantity=None, unit=None)
    p.commit_contribution("c2", partner_id="p-campus", kind="in_kind", description="Tenaga ahli",
                          value_rupiah=500_000, quantity=10.0, unit="orang-hari")
    p.deliver_contribution("c1", value_rupiah=1_500_000, quantity=None, delivered_on=date(2026, 3, 1),
                           evidence_sha256=SHA)
    p.deliver_contribution("c2", value_rupiah=0, quantity=4.0, delivered_on=date(2026, 4, 1), evidence_sha256=None)
    p.plan_milestone("m1", "Studi kelayakan", date(2026, 3, 1))
    p.plan_milestone("m2", "Konstruksi", date(2026, 6, 1))
    p.reschedule_milestone("m2", date(2026, 7, 1), "hujan")
    p.complete_milestone("m1", date(2026, 2, 20), SHA, "https://example.go.id/studi.pdf")
    p.flag_overdue(date(2026, 8, 1))
    p.define_kpi("sampah", "Sampah terolah", "ton/hari", 10.0, 50.0)
    p.measure_kpi("sampah", 20.0, date(2026, 5, 1), None)
    p.measure_kpi("sampah", 30.0, date(2026, 6, 1), SHA)
    p.record_outcome("o1", "Bank sampah baru", date(2026, 6, 2))
    return p


EXPECTED_STATE = {'id': '00000000-0000-0000-0000-000000000007',
 'title': 'TPST Surabaya',
 'goals': ['kurangi sampah', 'lapangan kerja'],
 'region_code': '35.78',
 'budget': 12500000000,
 'sdgs': [11, 12],
 'starts_on': '2026-01-01',
 'ends_on': '2028-12-31',
 'status': 'running',
 'partners': [{'partner_id': 'p-gov', 'role': 'regulator'},
              {'partner_id': 'p-campus', 'role': 'riset'},
              {'partner_id': 'p-industry', 'role': 'pendana'}],
 'agreement_ids': ['a-1', 'a-2'],
 'contributions': [{'id': 'c1',
                    'partner_id': 'p-gov',
                    'kind': 'money',
                    'description': 'APBD',
                    'value_rupiah': 2000000,
                    'quantity': None,
                    'unit': None,
                    'delivered_rupiah': 1500000,
                    'delivered_quantity': 0.0,
                    'deliveries': [{'value_rupiah': 1500000,
                                    'quantity': None,
                                    'delivered_on': '2026-03-01',
                                    'evidence_sha256': SHA}]},
                   {'id': 'c2',
                    'partner_id': 'p-campus',
                    'kind': 'in_kind',
                    'description': 'Tenaga ahli',
                    'value_rupiah': 500000,
                    'quantity': 10.0,
                    'unit': 'orang-hari',
                    'delivered_rupiah': 0,
                    'delivered_quantity': 4.0,
                    'deliveries': [{'value_rupiah': 0,
                                    'quantity': 4.0,
                                    'delivered_on': '2026-04-01',
                                    'evidence_sha256': None}]}],
 'milestones': [{'id': 'm1',
                 'title': 'Studi kelayakan',
                 'due_on': '2026-03-01',
                 'done_on': '2026-02-20',
                 'evidence_sha256': SHA,
                 'evidence_url': 'https://example.go.id/studi.pdf',
                 'flagged_overdue_on': None},
                {'id': 'm2',
                 'title': 'Konstruksi',
                 'due_on': '2026-07-01',
                 'done_on': None,
                 'evidence_sha256': None,
                 'evidence_url': None,
                 'flagged_overdue_on': '2026-08-01'}],
 'kpis': [{'code': 'sampah',
           'name': 'Sampah terolah',
           'unit': 'ton/hari',
           'baseline': 10.0,
           'target': 50.0,
           'actual': 30.0,
           'progress': 0.5,
           'measurements': [{'value': 20.0, 'measured_on': '2026-05-01', 'evidence_sha256': None},
                            {'value': 30.0,
                             'measured_on': '2026-06-01',
                             'evidence_sha256': SHA}]}],
 'outcomes': [{'id': 'o1', 'statement': 'Bank sampah baru', 'recorded_on': '2026-06-02'}],
 'closed_on': None,
 'closing_note': None,
 'version': 16}

EXPECTED_TOTALS = {'p-gov': {'committed_rupiah': 2000000,
           'delivered_rupiah': 1500000,
           'by_kind': {'money': {'committed_rupiah': 2000000, 'delivered_rupiah': 1500000}},
           'outstanding_rupiah': 500000},
 'p-campus': {'committed_rupiah': 500000,
              'delivered_rupiah': 0,
              'by_kind': {'in_kind': {'committed_rupiah': 500000, 'delivered_rupiah': 0}},
              'outstanding_rupiah': 500000},
 'p-industry': {'committed_rupiah': 0, 'delivered_rupiah': 0, 'by_kind': {}, 'outstanding_rupiah': 0}}


def test_the_whole_state_after_a_full_life():
    p = lived()
    assert p.to_state() == EXPECTED_STATE
    assert p.totals_by_partner() == EXPECTED_TOTALS
    assert p.milestone_counts(date(2026, 8, 1)) == {"done": 1, "due": 0, "overdue": 1}
    assert p.milestone_counts(date(2026, 6, 1)) == {"done": 1, "due": 1, "overdue": 0}


def test_replaying_the_events_gives_the_same_state():
    p = lived()
    assert Project.replay(p.id, enumerate(p.pending_events, start=1)).to_state() == EXPECTED_STATE


def start(**over) -> Project:
    args = {"title": "t", "goals": [], "region_code": "35", "budget": 0, "sdgs": [1], "starts_on": date(2026, 1, 1),
            "ends_on": None, "partners": [], "agreement_ids": [], **over}
    return Project.start(UUID(int=1), **args)


def commit(p: Project, **over) -> None:
    args = {"partner_id": "p-gov", "kind": "in_kind", "description": "d", "value_rupiah": 1, "quantity": None,
            "unit": None, **over}
    p.commit_contribution("c9", **args)


def deliver(p: Project, cid: str, value: int = 0, quantity: float | None = None, sha: str | None = None) -> None:
    p.deliver_contribution(cid, value_rupiah=value, quantity=quantity, delivered_on=date(2026, 5, 1),
                           evidence_sha256=sha)


V, T, N = ValidationFailed, InvalidTransition, NotFound
TWICE = [PartyTerm(partner_id="a", role="r"), PartyTerm(partner_id="b", role="r"), PartyTerm(partner_id="a", role="x")]
REFUSALS = [
    (lambda p: start(starts_on=date(2026, 1, 2), ends_on=date(2026, 1, 1)), V,
     "the project must end on or after it starts", "ends_on"),
    (lambda p: start(sdgs=[18]), V, "SDGs are numbered 1 to 17", "sdgs"),
    (lambda p: start(sdgs=[0]), V, "SDGs are numbered 1 to 17", "sdgs"),
    (lambda p: start(partners=TWICE), V, "a partner is listed twice", "partners.2.partner_id"),
    (lambda p: start(agreement_ids=["a", "a"]), V, "an agreement is listed twice", "agreement_ids"),
    (lambda p: p.add_partner("p-gov", "x"), T, "this partner is on the project already", "partner_id"),
    (lambda p: p.link_agreement("a-1"), T, "this agreement is linked already", "agreement_id"),
    (lambda p: commit(p, partner_id="p-x"), T, "this partner is not on the project; add it first", "partner_id"),
    (lambda p: commit(p, kind="money", value_rupiah=0), V, "a money contribution needs an amount in rupiah above zero",
     "value_rupiah"),
    (lambda p: commit(p, value_rupiah=-1), V, "the value cannot be negative", "value_rupiah"),
    (lambda p: commit(p, quantity=1.0), V, "give a quantity together with its unit", "unit"),
    (lambda p: commit(p, unit="kg"), V, "give a quantity together with its unit", "quantity"),
    (lambda p: commit(p, quantity=0.0, unit="kg"), V, "the quantity must be above zero", "quantity"),
    (lambda p: commit(p, value_rupiah=0), V, "give an estimated rupiah value, a quantity with its unit, or both",
     "value_rupiah"),
    (lambda p: deliver(p, "c9", 1), N, "contribution c9 is not on this project", "contribution_id"),
    (lambda p: deliver(p, "c1", -1), V, "a delivery cannot be negative", "value_rupiah"),
    (lambda p: deliver(p, "c2", 1, -1.0), V, "a delivery cannot be negative", "value_rupiah"),
    (lambda p: deliver(p, "c1"), V, "a delivery needs a rupiah value or a quantity", "value_rupiah"),
    (lambda p: deliver(p, "c1", 0, 1.0), V, "this contribution was committed without a quantity", "quantity"),
    (lambda p: deliver(p, "c1", 500_001), T,
     "this would deliver Rp 2.000.001 of Rp 2.000.000 committed; commit more first", "value_rupiah"),
    (lambda p: deliver(p, "c2", 0, 6.5), T, "this would deliver 10.5 of 10 orang-hari committed; commit more first",
     "quantity"),
    (lambda p: deliver(p, "c1", 1, sha="xyz"), V, "must be a SHA-256 digest: 64 hexadecimal characters",
     "evidence_sha256.sha256"),
    (lambda p: p.plan_milestone("m9", "t", date(2025, 12, 31)), V,
     "the project starts on 2026-01-01; a milestone cannot be due before", "due_on"),
    (lambda p: p.reschedule_milestone("m9", date(2026, 9, 1), "r"), N, "milestone m9 is not on this project",
     "milestone_id"),
    (lambda p: p.reschedule_milestone("m1", date(2026, 9, 1), "r"), T, "the milestone was done on 2026-02-20",
     "milestone_id"),
    (lambda p: p.reschedule_milestone("m2", date(2025, 9, 1), "r"), V, "the project starts on 2026-01-01", "due_on"),
    (lambda p: p.complete_milestone("m1", date(2026, 9, 1), SHA, None), T,
     "the milestone was done on 2026-02-20 already", "milestone_id"),
    (lambda p: p.complete_milestone("m2", date(2026, 9, 1), None, None), V,
     "give evidence: a document's sha256, an https URL, or both", "evidence"),
    (lambda p: p.complete_milestone("m2", date(2026, 9, 1), None, "http://example.go.id/x"), V,
     "the evidence URL must be an https:// address", "evidence.url"),
    (lambda p: p.define_kpi("sampah", "n", "u", 1.0, 2.0), T, "KPI sampah is defined already", "code"),
    (lambda p: p.define_kpi("air", "n", "u", 1.0, 1.0), V, "the target must differ from the baseline", "target"),
    (lambda p: p.measure_kpi("air", 1.0, date(2026, 7, 1), None), N, "KPI air is not defined on this project", "code"),
    (lambda p: p.measure_kpi("sampah", 1.0, date(2026, 5, 31), None), V,
     "the last measurement is of 2026-06-01; measurements go forward in time", "measured_on"),
    (lambda p: p.complete(date(2026, 9, 1), "s"), T, "milestones still open: Konstruksi", "milestones"),
]


@pytest.mark.parametrize(("command", "error", "detail", "field"), REFUSALS)
def test_each_refusal_whole_and_nothing_recorded(command, error, detail, field):
    p = lived()
    before = len(p.pending_events)
    with pytest.raises(error) as err:
        command(p)
    assert (err.value.detail, err.value.field) == (detail, field)
    assert len(p.pending_events) == before


def test_delivering_exactly_what_is_left_is_allowed():
    p = lived()
    p.deliver_contribution("c1", value_rupiah=500_000, quantity=None, delivered_on=date(2026, 5, 1),
                           evidence_sha256=None)
    p.deliver_contribution("c2", value_rupiah=500_000, quantity=6.0, delivered_on=date(2026, 5, 1),
                           evidence_sha256=None)
    assert p.totals_by_partner()["p-gov"]["outstanding_rupiah"] == 0
    assert p.contributions["c2"].delivered_quantity == 10.0


@pytest.mark.parametrize("close", [lambda p: p.cancel(date(2026, 9, 1), "dana dicabut"),
                                   lambda p: (p.complete_milestone("m2", date(2026, 8, 2), SHA, None),
                                              p.complete(date(2026, 9, 1), "selesai"))])
def test_a_closed_project_changes_no_more_and_says_why(close):
    p = lived()
    close(p)
    assert p.flag_overdue(date(2030, 1, 1)) == []
    status = p.status
    for command, what in [(lambda: p.add_partner("p-new", "r"), "no partner can join"),
                          (lambda: p.link_agreement("a-9"), "no agreement can be linked"),
                          (lambda: p.plan_milestone("m9", "t", date(2026, 9, 1)), "no milestone can be planned"),
                          (lambda: p.define_kpi("air", "n", "u", 1.0, 2.0), "no KPI can be defined"),
                          (lambda: p.measure_kpi("sampah", 40.0, date(2026, 9, 1), None), "no KPI can be measured"),
                          (lambda: p.cancel(date(2026, 9, 2), "lagi"), "only a running project can be cancelled"),
                          (lambda: p.complete(date(2026, 9, 2), "lagi"), "only a running project can be completed")]:
        with pytest.raises(InvalidTransition) as err:
            command()
        assert (err.value.detail, err.value.field) == (f"the project is {status}; {what}", "status")
    state = p.to_state()
    assert (state["status"], state["closed_on"], state["closing_note"]) == (
        status, "2026-09-01", "dana dicabut" if status == "cancelled" else "selesai")
