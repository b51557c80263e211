"""Enterprise rules with their whole answer (the sentence, the field, the figures), and their boundaries:
household references that look like a NIK, links, metric validation of every field at once, periods,
submission and review refusals."""

from datetime import date
from uuid import uuid4

import pytest

from enterprise.domain.catalogue import METRIC_CODES
from enterprise.domain.enterprise import GROUPS, Enterprise, check_household_ref, check_nib, check_sdgs
from enterprise.domain.reports import ImpactReport, parse_period, validate_metrics
from gotong.domain.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed

NOW = "2026-11-01T08:00:00+00:00"
TODAY = date(2026, 11, 1)
GOOD = {"earned_revenue": 420_000_000, "total_expenses": 480_000_000, "grants_received": 60_000_000,
        "employees": 24, "employees_vulnerable": 18, "beneficiaries_served": 1_200}
NOT_A_NIK = "household_ref must be the registry's pseudonymous reference, never a NIK or KK number"
SHAPE = "household_ref must be 4 to 64 letters, digits, '_' or '-'"


def whole(err: pytest.ExceptionInfo) -> tuple:
    return err.value.detail, err.value.field, err.value.extra


@pytest.mark.parametrize(("ref", "detail"), [
    ("3273014101900001", NOT_A_NIK), ("3273 0141 0190 0001", NOT_A_NIK), ("3273.0141.0190.0001", NOT_A_NIK),
    ("hh_", SHAPE), ("_hh_1", SHAPE), ("hh 1x", SHAPE), ("h" * 65, SHAPE), ("", SHAPE),
])
def test_a_household_reference_is_refused_naming_the_field_never_the_value(ref, detail):
    with pytest.raises(ValidationFailed) as err:
        check_household_ref(ref)
    assert whole(err) == (detail, "household_ref", {})


@pytest.mark.parametrize("ref", ["hh_0001", "HH-a1", "h" * 64, "Zq9_", "327301410190000"])
def test_good_household_references_pass_unchanged(ref):
    assert check_household_ref(ref) == ref


def test_nib_and_sdgs_answers():
    assert check_nib("8120201000003") == "8120201000003"
    with pytest.raises(ValidationFailed) as err:
        check_nib("812020100000")
    assert whole(err) == ("NIB must be 13 digits", "nib", {})
    assert check_sdgs([10, 8, 8, 1, 17]) == [1, 8, 10, 17]
    with pytest.raises(ValidationFailed) as err:
        check_sdgs([], field="body.sdgs")
    assert whole(err) == ("name at least one SDG (1 to 17) the enterprise works towards", "body.sdgs", {})
    for bad in ([0], [18], [5, 18]):
        with pytest.raises(ValidationFailed) as err:
            check_sdgs(bad)
        assert whole(err) == ("SDGs are numbered 1 to 17", "sdgs", {})


def enterprise(status: str = "verified") -> Enterprise:
    e = Enterprise.register(name="Koperasi Batik", nib="8120201000003", legal_form="koperasi", mission="Batik",
                            sdgs=[8], region_code="33.14", groups_served=["disabled"], groups_employed=["disabled"],
                            registered_by="ops-1", now=NOW)
    if status != "registered":
        e.change_status("verify", "rev-1", NOW)
    return e


def test_links_need_a_verified_enterprise_a_past_start_and_no_current_link():
    with pytest.raises(InvalidTransition) as err:
        enterprise("registered").link_household("hh_0001", "employee", [], TODAY, NOW, TODAY)
    assert whole(err) == ("households can be linked to a verified or active enterprise; this one is registered",
                          "status", {"status_now": "registered"})
    e = enterprise()
    with pytest.raises(ValidationFailed) as err:
        e.link_household("hh_0001", "employee", [], date(2026, 11, 2), NOW, TODAY)
    assert whole(err) == ("started_on cannot be in the future", "started_on", {})
    assert e.link_household("hh_0001", "employee", ["disabled", "disabled"], TODAY, NOW, TODAY) is True
    assert e.link_household("hh_0001", "client", [], TODAY, NOW, TODAY) is False
    with pytest.raises(Conflict) as err:
        e.link_household("hh_0001", "employee", [], TODAY, NOW, TODAY)
    assert whole(err) == ("this household is linked as employee already", "household_ref", {})
    link = e.links[("hh_0001", "employee")]
    assert (link.groups, link.started_on, link.ended_on) == (["disabled"], TODAY, None)
    with pytest.raises(ValidationFailed) as err:
        e.end_link("hh_0001", "employee", date(2026, 10, 31), NOW)
    assert whole(err) == ("ended_on is before the link started", "ended_on", {})
    e.end_link("hh_0001", "employee", TODAY, NOW)
    assert e.links[("hh_0001", "employee")].ended_on == TODAY
    with pytest.raises(InvalidTransition) as err:
        e.end_link("hh_0001", "employee", TODAY, NOW)
    assert whole(err) == ("this household has no current employee link here", "household_ref", {})
    assert e.link_household("hh_0001", "employee", [], TODAY, NOW, TODAY) is True, "a new job after the last"


def test_every_metric_problem_at_once_each_naming_its_field():
    metrics = {"earned_revenue": 1.5, "total_expenses": 100, "grants_received": -1, "employees": "24",
               "employees_vulnerable": 5, "operating_expenses": 101, "full_time_wages": 100, "colour": 3,
               "service_hours": True}
    with pytest.raises(ValidationFailed) as err:
        validate_metrics(metrics, {"women": 6, "aliens": 1, "disabled": -1}, currency="USD")
    found = {e["field"]: e["detail"] for e in err.value.errors}
    assert found == {
        "currency": "amounts are whole rupiah: currency must be IDR",
        "metrics.earned_revenue": "must be whole rupiah (no decimals, no text)",
        "metrics.grants_received": "must not be negative",
        "metrics.employees": "must be a whole number",
        "metrics.operating_expenses": "cannot exceed total_expenses",
        "metrics.colour": "unknown metric; known: " + ", ".join(METRIC_CODES),
        "metrics.service_hours": "must be a whole number",
        "metrics.beneficiaries_served": f"required ({METRIC_CODES['beneficiaries_served']})",
        "employees_by_group.women": "cannot exceed employees_vulnerable (a person may count in several groups, "
                                    "each group at most once)",
        "employees_by_group.aliens": "unknown group; known: " + ", ".join(GROUPS),
        "employees_by_group.disabled": "must be a whole number, not negative",
    }


def test_zero_is_a_figure_and_equal_parts_are_allowed():
    edge = {**GOOD, "grants_received": 0, "employees_vulnerable": 24, "operating_expenses": 480_000_000,
            "full_time_wages": 480_000_000}
    clean, groups = validate_metrics(edge, {"women": 24, "disabled": 0})
    assert clean == edge
    assert groups == {"women": 24, "disabled": 0}
    with pytest.raises(ValidationFailed) as err:
        validate_metrics({**GOOD, "employees_vulnerable": 25})
    assert [e["field"] for e in err.value.errors] == ["metrics.employees_vulnerable"]


@pytest.mark.parametrize(("raw", "detail"), [
    ("2026-Q5", "period must be a quarter like 2026-Q3 or a year like 2026"),
    ("1999", "period year must be between 2000 and 2100"),
    ("2101-Q1", "period year must be between 2000 and 2100"),
])
def test_a_bad_period_says_what_a_period_is(raw, detail):
    with pytest.raises(ValidationFailed) as err:
        parse_period(raw, field="body.period")
    assert whole(err) == (detail, "body.period", {})


def test_period_edges():
    assert parse_period(" 2000 ").label == "2000"
    assert parse_period("2100-Q4").end == date(2100, 12, 31)
    assert parse_period("2026-Q1").previous().label == "2025-Q4"
    assert parse_period("2026-Q2").previous().label == "2026-Q1"
    assert (parse_period("2026-Q3").start, parse_period("2026-Q3").end) == (date(2026, 7, 1), date(2026, 9, 30))


def test_submission_and_review_refusals_are_whole():
    report = ImpactReport.start(uuid4(), parse_period("2026-Q2"))
    with pytest.raises(InvalidTransition) as err:
        report.submit(parse_period("2026-Q2"), "registered", GOOD, {}, "ops-1", NOW, TODAY)
    assert whole(err) == ("a registered enterprise cannot submit impact reports: it must be verified first",
                          "status", {"status_now": "registered"})
    with pytest.raises(InvalidTransition) as err:
        report.submit(parse_period("2026-Q2"), "suspended", GOOD, {}, "ops-1", NOW, TODAY)
    assert whole(err) == ("a suspended enterprise cannot submit impact reports: reinstate it first",
                          "status", {"status_now": "suspended"})
    with pytest.raises(ValidationFailed) as err:
        report.submit(parse_period("2026-Q4"), "active", GOOD, {}, "ops-1", NOW, date(2026, 12, 31))
    assert whole(err)[:2] == ("period 2026-Q4 has not ended yet (it ends 2026-12-31)", "period")
    assert report.submit(parse_period("2026-Q4"), "active", GOOD, {}, "ops-1", NOW, date(2027, 1, 1)) == 1
    assert report.submit(parse_period("2026-Q4"), "active", GOOD, {}, "ops-2", NOW, date(2027, 1, 1)) == 2
    assert report.versions[1].status == "superseded"
    with pytest.raises(NotFound) as err:
        report.accept(3, "rev-1", {}, "33", "33.14", NOW)
    assert whole(err) == ("version 3 of this report does not exist", "version", {})
    with pytest.raises(InvalidTransition) as err:
        report.accept(1, "rev-1", {}, "33", "33.14", NOW)
    assert whole(err) == ("version 1 is superseded, not awaiting review: a newer version replaced it", "version",
                          {"status_now": "superseded"})
    with pytest.raises(Forbidden) as err:
        report.return_for_correction(2, "ops-2", "x", NOW)
    assert whole(err) == ("the officer who submitted a report cannot review it (four eyes)", "reviewer", {})
    with pytest.raises(ValidationFailed) as err:
        report.return_for_correction(2, "rev-1", "   ", NOW)
    assert whole(err) == ("say what needs correcting", "reason", {})
    report.return_for_correction(2, "rev-1", "  jam layanan kurang  ", NOW)
    v2 = report.versions[2]
    assert (v2.status, v2.reviewed_by, v2.return_reason) == ("returned", "rev-1", "jam layanan kurang")
    with pytest.raises(InvalidTransition) as err:
        report.accept(2, "rev-1", {}, "33", "33.14", NOW)
    assert whole(err)[0] == "version 2 is returned, not awaiting review: it was returned; a new version may be " \
                            "submitted"


def test_status_changes_record_the_reason_only_for_a_suspension_and_refusals_carry_the_action():
    e = enterprise()
    assert e.history == [{"status": "registered", "at": NOW, "reason": None},
                         {"status": "verified", "at": NOW, "reason": None}]
    e.change_status("activate", "rev-2", NOW, reason="misreporting", note="mulai beroperasi")
    activated = e.pending_events[-1]
    assert (activated.reason, activated.note, activated.officer, activated.previous_status) == (
        None, "mulai beroperasi", "rev-2", "verified")
    with pytest.raises(ValidationFailed) as err:
        e.change_status("suspend", "rev-2", NOW)
    assert whole(err) == ("say why the enterprise is suspended", "reason", {})
    e.change_status("suspend", "rev-2", NOW, reason="misreporting")
    assert (e.status, e.suspension_reason, e.history[-1]["reason"]) == ("suspended", "misreporting", "misreporting")
    with pytest.raises(InvalidTransition) as err:
        e.change_status("verify", "rev-3", NOW)
    assert (err.value.field, err.value.extra) == ("status", {"status_now": "suspended", "action": "verify"})


def test_a_profile_update_changes_only_what_is_given():
    e = enterprise()
    assert e.update_profile(now=NOW) is False
    assert e.update_profile(name="  Koperasi Batik Baru ", groups_employed=["women", "disabled", "women"], now=NOW)
    assert (e.name, e.groups_employed, e.mission, e.groups_served) == (
        "Koperasi Batik Baru", ["disabled", "women"], "Batik", ["disabled"])
    assert e.pending_events[-1].changed == ["name", "groups_employed"]
