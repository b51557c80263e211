"""Impact reports as a specification: periods, metric validation naming each field, versions that supersede
(history kept), review allowed and refused, four eyes."""

from datetime import date
from uuid import uuid4

import pytest

from enterprise.domain.reports import ImpactReport, parse_period, validate_metrics
from gotong.domain.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed

NOW = "2026-11-01T08:00:00+00:00"
TODAY = date(2026, 11, 1)
GOOD = {"earned_revenue": 420_000_000, "total_expenses": 480_000_000, "grants_received": 60_000_000,
        "employees": 24, "employees_vulnerable": 18, "beneficiaries_served": 1_200}


def fields_of(err: ValidationFailed) -> dict[str, str]:
    return {e["field"]: e["detail"] for e in err.errors}


@pytest.mark.parametrize(("raw", "kind", "start", "end", "previous"), [
    ("2026-Q1", "quarter", date(2026, 1, 1), date(2026, 3, 31), "2025-Q4"),
    ("2026-Q3", "quarter", date(2026, 7, 1), date(2026, 9, 30), "2026-Q2"),
    ("2024-Q4", "quarter", date(2024, 10, 1), date(2024, 12, 31), "2024-Q3"),
    ("2025", "year", date(2025, 1, 1), date(2025, 12, 31), "2024"),
])
def test_periods(raw, kind, start, end, previous):
    p = parse_period(raw)
    assert (p.kind, p.start, p.end, p.previous().label) == (kind, start, end, previous)


@pytest.mark.parametrize("raw", ["2026-Q5", "2026-Q0", "26-Q1", "2026Q1", "2026-q1", "1999", "2026-01", ""])
def test_bad_periods_are_refused_naming_the_field(raw):
    with pytest.raises(ValidationFailed) as err:
        parse_period(raw)
    assert err.value.field == "period"


def test_good_metrics_pass_unchanged():
    assert validate_metrics(GOOD, {"women": 10, "disabled": 3}) == (GOOD, {"women": 10, "disabled": 3})


def test_every_problem_is_reported_at_once_with_its_field():
    bad = {**GOOD, "earned_revenue": 420_000_000.5, "total_expenses": "480000000", "grants_received": -1,
           "employees": True, "colour": 1}
    del bad["beneficiaries_served"]
    with pytest.raises(ValidationFailed) as err:
        validate_metrics(bad, currency="USD")
    found = fields_of(err.value)
    assert set(found) == {"currency", "metrics.earned_revenue", "metrics.total_expenses", "metrics.grants_received",
                          "metrics.employees", "metrics.colour", "metrics.beneficiaries_served"}
    assert found["metrics.earned_revenue"] == "must be whole rupiah (no decimals, no text)"
    assert found["metrics.grants_received"] == "must not be negative"
    assert found["metrics.beneficiaries_served"] == "required (PI4060)"
    assert "420000000.5" not in str(err.value.errors), "values are never echoed"


@pytest.mark.parametrize(("over", "field"), [
    ({"employees_vulnerable": 25}, "metrics.employees_vulnerable"),
    ({"operating_expenses": 480_000_001}, "metrics.operating_expenses"),
    ({"full_time_wages": 500_000_000}, "metrics.full_time_wages"),
])
def test_parts_cannot_exceed_their_whole(over, field):
    with pytest.raises(ValidationFailed) as err:
        validate_metrics({**GOOD, **over})
    assert list(fields_of(err.value)) == [field]


def test_vulnerable_employees_equal_to_all_employees_is_fine():
    validate_metrics({**GOOD, "employees_vulnerable": 24, "operating_expenses": 480_000_000})


@pytest.mark.parametrize(("groups", "field"), [({"aliens": 1}, "employees_by_group.aliens"),
                                               ({"women": 19}, "employees_by_group.women"),
                                               ({"women": -1}, "employees_by_group.women"),
                                               ({"women": 2.0}, "employees_by_group.women")])
def test_employees_by_group(groups, field):
    with pytest.raises(ValidationFailed) as err:
        validate_metrics(GOOD, groups)
    assert list(fields_of(err.value)) == [field]


def report() -> ImpactReport:
    return ImpactReport.start(uuid4(), parse_period("2026-Q2"))


def submit(r: ImpactReport, by: str = "ops-1", status: str = "active", **over) -> int:
    return r.submit(parse_period(r.period or "2026-Q2"), status, {**GOOD, **over}, {}, by, NOW, TODAY)


@pytest.mark.parametrize("status", ["registered", "suspended"])
def test_only_verified_or_active_enterprises_submit(status):
    with pytest.raises(InvalidTransition) as err:
        submit(report(), status=status)
    assert err.value.field == "status"


@pytest.mark.parametrize("status", ["verified", "active"])
def test_verified_and_active_enterprises_submit(status):
    assert submit(report(), status=status) == 1


def test_a_period_that_has_not_ended_is_refused():
    r = ImpactReport.start(uuid4(), parse_period("2026-Q4"))
    with pytest.raises(ValidationFailed, match="has not ended") as err:
        r.submit(parse_period("2026-Q4"), "active", GOOD, {}, "ops-1", NOW, TODAY)
    assert err.value.field == "period"


def test_review_allowed_only_on_a_submitted_version_by_someone_else():
    r = report()
    submit(r)
    with pytest.raises(Forbidden, match="four eyes"):
        r.accept(1, "ops-1", {}, "32", "32.73", NOW)
    with pytest.raises(NotFound):
        r.accept(2, "rev-1", {}, "32", "32.73", NOW)
    r.accept(1, "rev-1", {"self_sufficiency": "0.8750"}, "32", "32.73", NOW)
    for decide in (lambda: r.accept(1, "rev-2", {}, "32", "32.73", NOW),
                   lambda: r.return_for_correction(1, "rev-2", "again", NOW)):
        with pytest.raises(InvalidTransition, match="accepted already"):
            decide()


def test_a_returned_version_cannot_be_accepted_and_a_new_one_can():
    r = report()
    submit(r)
    with pytest.raises(ValidationFailed):
        r.return_for_correction(1, "rev-1", "  ", NOW)
    r.return_for_correction(1, "rev-1", "service hours missing", NOW)
    with pytest.raises(InvalidTransition, match="returned"):
        r.accept(1, "rev-1", {}, "32", "32.73", NOW)
    assert submit(r, service_hours=3_100) == 2
    r.accept(2, "rev-1", {}, "32", "32.73", NOW)
    assert [(v.version, v.status) for v in r.versions.values()] == [(1, "returned"), (2, "accepted")]


def test_a_new_submission_supersedes_the_one_awaiting_review():
    r = report()
    submit(r)
    submit(r, employees=25)
    assert [v.status for v in r.versions.values()] == ["superseded", "submitted"]
    with pytest.raises(InvalidTransition, match="newer version"):
        r.accept(1, "rev-1", {}, "32", "32.73", NOW)


def test_a_correction_replaces_the_accepted_version_only_once_accepted():
    r = report()
    submit(r)
    r.accept(1, "rev-1", {}, "32", "32.73", NOW)
    submit(r, earned_revenue=400_000_000)
    assert r.accepted.version == 1, "the accepted figures stand while the correction awaits review"
    r.accept(2, "rev-1", {}, "32", "32.73", NOW)
    assert r.accepted.version == 2
    assert r.versions[1].status == "superseded"
    assert r.pending_events[-1].supersedes_version == 1
    assert r.versions[1].metrics["earned_revenue"] == 420_000_000, "history kept"


def version_in(status: str) -> ImpactReport:
    """A report whose version 1 is in `status`."""
    r = report()
    submit(r)
    if status == "accepted":
        r.accept(1, "rev-1", {}, "32", "32.73", NOW)
    elif status == "returned":
        r.return_for_correction(1, "rev-1", "fix it", NOW)
    elif status == "superseded":
        submit(r, employees=30)
    return r


@pytest.mark.parametrize("decision", ["accept", "return"])
@pytest.mark.parametrize("status", ["submitted", "accepted", "returned", "superseded"])
def test_every_review_decision_from_every_version_status(decision, status):
    r = version_in(status)
    assert r.versions[1].status == status

    def decide():
        if decision == "accept":
            r.accept(1, "rev-2", {}, "32", "32.73", NOW)
        else:
            r.return_for_correction(1, "rev-2", "numbers do not add up", NOW)

    if status == "submitted":
        decide()
        assert r.versions[1].status == ("accepted" if decision == "accept" else "returned")
    else:
        before = len(r.pending_events)
        with pytest.raises(InvalidTransition) as refused:
            decide()
        assert refused.value.detail.startswith(f"version 1 is {status}, not awaiting review: ")
        assert len(r.pending_events) == before
