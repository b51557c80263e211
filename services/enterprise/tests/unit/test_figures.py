"""Derived figures on hand-computed examples: exact, four places, half up; None where a ratio has no meaning."""

from decimal import Decimal

import pytest

from enterprise.domain.figures import as_json, derive, per_unit, ratio, trend


@pytest.mark.parametrize(("n", "d", "expected"), [
    (1, 3, "0.3333"), (2, 3, "0.6667"), (1, 8, "0.1250"), (7, 7, "1.0000"), (3, 2, "1.5000"),
    (1, 20_000, "0.0001"),        # 0.00005 rounds half up
    (1, 20_001, "0.0000"),        # just under half
    (-1, 8, "-0.1250"), (-1, 20_000, "-0.0001"),  # half away from zero for negatives (growth)
    (0, 5, "0.0000"),
    (999_999_999_999, 1_000_000_000_000, "1.0000"),
])
def test_ratio_is_exact_and_half_up(n, d, expected):
    assert ratio(n, d) == Decimal(expected)
    assert str(ratio(n, d)) == expected


def test_ratio_over_zero_is_none():
    assert ratio(5, 0) is None


@pytest.mark.parametrize(("amount", "units", "expected"), [(5, 2, 3), (7, 2, 4), (10, 4, 3), (9, 4, 2),
                                                          (480_000_000, 1_200, 400_000), (10, 0, None)])
def test_per_unit_rounds_half_up(amount, units, expected):
    assert per_unit(amount, units) == expected


def test_a_recycling_cooperative_quarter_by_hand():
    # Earned Rp 360 jt, expenses Rp 480 jt, grants Rp 60 jt, 1,200 beneficiaries; last quarter earned Rp 400 jt.
    # self-sufficiency 360/480 = 0.75; grant dependency 60/420 = 0.142857.. -> 0.1429;
    # cost per beneficiary 480,000,000 / 1,200 = 400,000; growth (360-400)/400 = -0.1.
    metrics = {"earned_revenue": 360_000_000, "total_expenses": 480_000_000, "grants_received": 60_000_000,
               "beneficiaries_served": 1_200}
    figures = derive(metrics, {"earned_revenue": 400_000_000})
    assert as_json(figures) == {"self_sufficiency": "0.7500", "grant_dependency": "0.1429",
                                "cost_per_beneficiary": 400_000, "revenue_growth": "-0.1000"}


def test_a_fully_self_sufficient_enterprise_without_grants():
    # Earned Rp 1.100 jt against Rp 980 jt expenses: 1.122448.. -> 1.1224; no grants: dependency 0.
    figures = derive({"earned_revenue": 1_100_000_000, "total_expenses": 980_000_000, "grants_received": 0,
                      "beneficiaries_served": 2_600})
    assert as_json(figures) == {"self_sufficiency": "1.1224", "grant_dependency": "0.0000",
                                "cost_per_beneficiary": 376_923, "revenue_growth": None}  # 376,923.07..


def test_nothing_earned_nothing_spent_gives_no_ratios():
    figures = derive({"earned_revenue": 0, "total_expenses": 0, "grants_received": 0, "beneficiaries_served": 0},
                     {"earned_revenue": 0})
    assert set(figures.values()) == {None}


def test_trend_changes_and_direction():
    points = [("2026-Q1", derive({"earned_revenue": 300, "total_expenses": 400, "grants_received": 100,
                                  "beneficiaries_served": 10})),
              ("2026-Q2", derive({"earned_revenue": 0, "total_expenses": 0, "grants_received": 0,
                                  "beneficiaries_served": 0})),
              ("2026-Q3", derive({"earned_revenue": 420, "total_expenses": 480, "grants_received": 60,
                                  "beneficiaries_served": 12}))]
    t = trend(points)
    assert [(p["period"], p["self_sufficiency"], p["self_sufficiency_change"]) for p in t["points"]] == [
        ("2026-Q1", "0.7500", None), ("2026-Q2", None, None), ("2026-Q3", "0.8750", "0.1250")]
    assert t["self_sufficiency_direction"] == "improving"
    assert trend(points[::-1])["self_sufficiency_direction"] == "declining"
    assert trend(points[:1])["self_sufficiency_direction"] is None
    assert trend([points[0], points[0]])["self_sufficiency_direction"] == "steady"
