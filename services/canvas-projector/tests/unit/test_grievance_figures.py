"""The grievance accountability figures, by hand: median days to the first decision, breach rate over the cases
whose deadline has come, share upheld over the decided, and nothing published from fewer than MIN_CELL cases."""

from datetime import UTC, datetime, timedelta

from canvas_projector.domain.grievances import OTHERS, CaseRow, days, grievance_figures, percent

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def case(kind="sanggah", region="32.73", received_days_ago=20, sla=14, decided_after=None, outcome=None,
         breached=False) -> CaseRow:
    received = NOW - timedelta(days=received_days_ago)
    decided = received + timedelta(days=decided_after) if decided_after is not None else None
    return CaseRow(kind, region, received, received + timedelta(days=sla), decided, outcome, breached)


def test_figures_are_computed_over_their_own_bases():
    rows = [case(decided_after=d, outcome="upheld" if d < 5 else "rejected") for d in range(1, 11)]  # 10 decided
    rows += [case(received_days_ago=20, breached=True) for _ in range(2)]  # due 6 days ago, undecided
    rows += [case(received_days_ago=1) for _ in range(3)]  # not due yet: outside the breach base
    f = grievance_figures(rows, NOW)
    assert (f.total, f.decided, f.upheld) == (15, 10, 4)
    assert f.median_days == 5.5
    assert f.deadline_base == 12
    assert f.breach_rate == 2 / 12
    assert f.upheld_share == 0.4
    assert (percent(f.upheld_share, "id"), percent(f.upheld_share, "en")) == ("40,0%", "40.0%")
    assert (days(f.median_days, "id"), days(f.median_days, "en")) == ("5,5 hari", "5.5 days")


def test_small_bases_publish_nothing_and_small_groups_are_pooled():
    rows = [case(decided_after=3, outcome="upheld") for _ in range(9)]
    rows += [case(kind="payment_complaint", region="35.07") for _ in range(3)]
    f = grievance_figures(rows, NOW)
    assert (f.median_days, f.upheld_share) == (None, None), "9 decided cases are too few to publish"
    assert f.breach_rate is not None, "12 cases have come due"
    assert dict(f.by_kind) == {OTHERS: 12}, "3 payment complaints cannot stand alone, so the 9 join the pool"
    assert dict(f.by_province) == {OTHERS: 12}
    assert percent(None, "id") == "\u2014"
