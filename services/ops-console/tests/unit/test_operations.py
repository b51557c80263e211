"""What the dashboard counts, decided from published facts alone (no database)."""

from datetime import UTC, datetime, timedelta

import pytest

from ops_console.domain.counters import Counters
from ops_console.domain.operations import (
    Forget,
    Paid,
    Track,
    age_bucket,
    allocation_decided,
    cycle_reached,
    household_changed,
    may_move,
    payment_recorded,
)
from ops_console.domain.session import RoleRefused, SessionTimes, check_roles, ended

NOW = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)


def test_a_flagged_household_joins_the_review_queue_with_its_reason_and_leaves_it_when_verified():
    joined = household_changed("hh-1", 3, "flagged", "duplicate_nik", "2026-11-30T05:00:00Z")
    assert joined == Track("review", "hh-1", "flagged", datetime(2026, 11, 30, 5, tzinfo=UTC),
                           reason="duplicate_nik", version=3)
    assert household_changed("hh-1", 4, "verified", "verified", "2026-12-01T05:00:00Z") == Forget("review", "hh-1", 4)


def test_a_failed_payment_opens_an_exception_and_a_paid_reissue_closes_it():
    failed = payment_recorded("p1", "c1", "failed", 1, "2026-12-01T05:00:00Z")
    assert Track("cycle", "c1", "paying", datetime(2026, 12, 1, 5, tzinfo=UTC), forward_only=True) in failed
    assert any(isinstance(c, Track) and c.kind == "exception" and c.state == "failed" for c in failed)
    paid = payment_recorded("p1", "c1", "paid", 2, "2026-12-01T05:01:00Z")
    assert Forget("exception", "p1") in paid
    assert Paid(datetime(2026, 12, 1, 5, 1, tzinfo=UTC)) in paid


def test_a_closed_cycle_reports_its_held_households_and_a_cycle_never_goes_back():
    closed = cycle_reached("c1", "closed", "2026-12-01T05:00:00Z", held=12)
    assert [c.kind for c in closed if isinstance(c, Track)] == ["cycle", "held"]
    assert closed[1].amount == 12
    assert may_move("approved", "paying")
    assert may_move("paying", "closed")
    assert not may_move("closed", "paying")
    assert not may_move("paying", "approved")


def test_only_allocations_pending_approval_wait():
    assert isinstance(allocation_decided("a1", "pending_approval", "PKH", "2026-12-01T05:00:00Z"), Track)
    assert allocation_decided("a1", "approved", "PKH", "2026-12-01T05:00:00Z") == Forget("allocation", "a1")


@pytest.mark.parametrize(("waited", "bucket"), [(timedelta(hours=23), "<1d"), (timedelta(days=1), "1-7d"),
                                                (timedelta(days=8), "7-30d"), (timedelta(days=31), ">30d")])
def test_review_age_buckets(waited, bucket):
    assert age_bucket(NOW - waited, NOW) == bucket


def test_counters_group_by_reason_and_age_and_sum_held_households():
    c = Counters.build([("cycle", "paying", "", 2, 0), ("exception", "failed", "attempt 1", 3, 0),
                        ("held", "held", "", 2, 1_500), ("allocation", "pending_approval", "PKH", 1, 0),
                        ("approval", "enterprise_verification", "enterprise_verification", 4, 0)],
                       [("duplicate_nik", "1-7d", 1), ("duplicate_nik", "<1d", 1)], NOW, 5, 7)
    assert c.cycles == {"paying": 2}
    assert c.exceptions_open == {"failed": 3}
    assert c.held_households == 1_500
    assert c.approvals_waiting == {"csr_allocation": 1, "enterprise_verification": 4}
    assert c.review_queue == {"duplicate_nik": {"1-7d": 1, "<1d": 1}}
    assert c.reviews_total == 2
    assert c.as_json()["payments_this_minute"] == 5


def test_only_the_consoles_roles_get_in_and_the_refusal_names_both_sides():
    assert check_roles(["supervisor"], ["operator", "supervisor"]) == ["supervisor"]
    with pytest.raises(RoleRefused) as refused:
        check_roles(["auditor"], ["operator", "supervisor"])
    assert (refused.value.held, refused.value.needed) == (["auditor"], ["operator", "supervisor"])


def test_a_session_ends_when_idle_or_when_the_token_expires():
    idle = timedelta(minutes=30)
    fresh = SessionTimes(last_seen=NOW - timedelta(minutes=29), token_expires=NOW + timedelta(minutes=5))
    assert ended(fresh, NOW, idle) is None
    assert ended(SessionTimes(NOW - timedelta(minutes=31), NOW + timedelta(minutes=5)), NOW, idle) == "idle"
    assert ended(SessionTimes(NOW, NOW), NOW, idle) == "token"

