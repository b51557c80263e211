"""The desil a cycle uses is the one of the ranking snapshot in force at its cut-off (the newest whose ranking
date is on or before it), never the greatest label: a snapshot dated after the cut-off never counts."""

from __future__ import annotations

from datetime import date

from disbursement.adapters.shipped import shipped_programs
from disbursement.domain.eligibility import Household, Ranking, evaluate, ranking_in_force, snapshot_starts

BPNT = next(p for p in shipped_programs() if p.code == "BPNT")
Q3 = Ranking("2026-Q3", 3, "DTSEN-2026.1")
Q4 = Ranking("2026-Q4", 4, "DTSEN-2026.1")
POISON = Ranking("2563-Q3", 9, "DTSEN-2026.1")  # a ranking run "on 2563-07-01": its label beats every real one


def household(*rankings: Ranking, desil: int | None = 9) -> Household:
    return Household("hh-1", 3, "32.73.01.1001", "32.73.01", "32.73", "32", "verified", desil, "DTSEN-2026.1",
                     "2563-Q3", [{"member_ref": "m1", "birth_month": "1980-01"}], rankings=rankings)


def test_a_snapshot_comes_into_force_on_the_first_day_of_its_quarter():
    assert snapshot_starts("2026-Q4") == date(2026, 10, 1)
    assert snapshot_starts("2026-Q1") == date(2026, 1, 1)
    assert snapshot_starts("2563-Q3") == date(2563, 7, 1)
    assert snapshot_starts("2026-10-15") == date(2026, 10, 15)
    assert snapshot_starts("latest") is None
    assert snapshot_starts("2026-Q5") is None


def test_the_newest_snapshot_on_or_before_the_cutoff_is_in_force():
    assert ranking_in_force([Q3, Q4], date(2026, 10, 1)) == Q4
    assert ranking_in_force([Q4, Q3], date(2026, 9, 30)) == Q3
    assert ranking_in_force([Q4], date(2026, 9, 30)) is None
    assert ranking_in_force([Ranking("latest", 1)], date(2026, 9, 30)) is None


def test_a_future_snapshot_never_counts_whatever_its_label():
    assert "2563-Q3" > "2026-Q4"  # what the replica used to keep
    assert ranking_in_force([Q3, POISON, Q4], date(2026, 10, 1)) == Q4


def test_a_cycle_decides_with_the_ranking_in_force_at_its_cutoff():
    d = evaluate(BPNT, household(Q3, POISON), date(2026, 10, 1))
    assert d.outcome == "eligible"
    assert (d.desil, d.desil_snapshot) == (3, "2026-Q3")
    rule = next(r for r in d.rules if r.kind == "desil_band")
    assert rule.facts["desil"] == 3
    assert rule.facts["desil_snapshot"] == "2026-Q3"


def test_only_future_snapshots_mean_not_ranked_at_the_cutoff():
    d = evaluate(BPNT, household(POISON), date(2026, 10, 1))
    assert d.outcome == "not_eligible"
    assert (d.desil, d.desil_snapshot) == (None, None)


def test_a_household_without_ranking_history_keeps_the_desil_it_came_with():
    h = household(desil=2)
    assert h.at(date(2026, 10, 1)) is h
    assert evaluate(BPNT, h, date(2026, 10, 1)).desil == 2
