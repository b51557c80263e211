"""The enterprise domain decides with what it is handed: the time (a clock's reading), the registry's standing of
a household, the previous period's report. No database, no clock reads."""

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from enterprise.domain.enterprise import Enterprise, RegistryStanding
from enterprise.domain.reports import ImpactReport, parse_period
from gotong.domain.clock import FixedClock
from gotong.domain.errors import Conflict

GOOD = {"earned_revenue": 420_000_000, "total_expenses": 480_000_000, "grants_received": 60_000_000,
        "employees": 24, "employees_vulnerable": 18, "beneficiaries_served": 1_200}


def test_the_registry_standing_of_a_household():
    assert RegistryStanding(None).check() == "unknown", "not replicated yet: allowed"
    assert RegistryStanding("registered").check() == "registered"
    with pytest.raises(Conflict, match="erased from the registry") as erased:
        RegistryStanding("erased").check()
    assert erased.value.field == "household_ref"
    with pytest.raises(Conflict, match="link the surviving reference") as merged:
        RegistryStanding("merged", "hh_survivor").check()
    assert (merged.value.field, merged.value.extra) == ("household_ref", {"surviving_ref": "hh_survivor"})


def test_updated_at_follows_the_profile_and_status_not_the_links():
    CLOCK = FixedClock(datetime(2026, 11, 1, 8, 0, tzinfo=UTC))  # noqa: N806 - a clock like the app's
    registered_at = CLOCK.now().isoformat()
    e = Enterprise.register(name="Koperasi Batik", nib="8120201000003", legal_form="koperasi", mission="Batik tulis",
                            sdgs=[8], region_code="33.14", groups_served=[], groups_employed=[],
                            registered_by="ops-1", now=registered_at)
    assert e.updated_at == e.registered_at == registered_at
    CLOCK.advance(days=1)
    e.change_status("verify", "rev-1", CLOCK.now().isoformat())
    verified_at = CLOCK.now().isoformat()
    CLOCK.advance(days=1)
    e.link_household("hh_0001", "employee", [], CLOCK.today(), CLOCK.now().isoformat(), CLOCK.today())
    assert e.updated_at == verified_at
    CLOCK.advance(days=1)
    e.update_profile(CLOCK.now().isoformat(), name="Koperasi Batik Baru")
    assert e.updated_at == CLOCK.now().isoformat()


def reviewed(period: str, metrics: dict[str, int], accept: bool = True) -> ImpactReport:
    enterprise_id = uuid4()
    r = ImpactReport.start(enterprise_id, parse_period(period))
    r.submit(parse_period(period), "active", metrics, {}, "ops-1", "2026-11-01T08:00:00+00:00", date(2026, 11, 1))
    if accept:
        r.accept(1, "rev-1", {}, "33", "33.14", "2026-11-01T08:00:00+00:00")
    return r


def test_derived_figures_come_from_the_version_and_the_previous_periods_accepted_one():
    q2 = reviewed("2026-Q2", GOOD, accept=False)
    q1 = reviewed("2026-Q1", {**GOOD, "earned_revenue": 400_000_000})
    figures = q2.derived_figures(1, q1)
    assert figures == {"self_sufficiency": "0.8750", "grant_dependency": "0.1250", "cost_per_beneficiary": 400_000,
                       "revenue_growth": "0.0500"}
    assert q2.derived_figures(1, None)["revenue_growth"] is None
    assert q2.derived_figures(1, reviewed("2026-Q1", GOOD, accept=False))["revenue_growth"] is None, \
        "a previous period never accepted gives no growth"
    assert q2.derived_figures(9, q1) == {}
