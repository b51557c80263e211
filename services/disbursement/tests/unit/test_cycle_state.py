"""The cycle's read-side state comes from its events alone (what its projector writes), and the period rule."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from disbursement.domain.cycle import Cycle, check_period, registry
from gotong.domain.clock import FixedClock
from gotong.domain.errors import ValidationFailed

CLOCK = FixedClock(datetime(2026, 10, 2, 9, 0, tzinfo=UTC))


def now() -> str:
    CLOCK.advance(minutes=5)
    return CLOCK.now().isoformat()


@pytest.mark.parametrize("period", ["2026-Q4", "2026-M07", "2026-T1"])
def test_a_period_is_a_quarter_a_month_or_a_tranche(period):
    assert check_period(period) == period


@pytest.mark.parametrize("period", ["2026", "2026-Q5", "2026-M13", "2026-M7", "26-Q1", "2026-T0"])
def test_anything_else_is_not_a_period(period):
    with pytest.raises(ValidationFailed) as err:
        check_period(period)
    assert err.value.field == "period"


def test_every_field_the_cycles_row_shows_comes_from_the_events():
    c = Cycle.open(uuid4(), program_id="p", program_code="BPNT", period="2026-Q4", cutoff="2026-10-01",
                   rule_version="v1", by="ops-1", now=now())
    opened_at = CLOCK.now()
    c.computed(households=3, held=1, total_amount=1_800_000, rule_version="v1", by="ops-1", now=now())
    c.review(by="ops-2", note=None, now=now())
    c.approve(by="sup-1", budget_remaining=10_000_000, now=now())
    approved_at = CLOCK.now()
    c.instruct(instructed=2, amount=1_200_000, by="ops-1", now=now())
    c.close(in_flight=0, summary={"paid_households": 2, "paid_amount": 1_200_000, "returned_amount": 0,
                                  "failed_payments": 0, "held_households": 1, "open_exceptions": 0}, by="ops-1",
            now=now())
    closed_at = CLOCK.now()
    assert (c.status, c.cutoff, c.rule_version, c.households, c.held, c.total_amount) == (
        "closed", date(2026, 10, 1), "v1", 3, 1, 1_800_000)
    assert (c.opened_by, c.computed_by, c.reviewed_by, c.approved_by) == ("ops-1", "ops-1", "ops-2", "sup-1")
    assert (c.opened_at, c.approved_at, c.closed_at) == (opened_at, approved_at, closed_at)
    events = [(i, registry.decode(e.event_type, 1, e.to_data())) for i, e in enumerate(c.pending_events, start=1)]
    again = Cycle.replay(c.id, events)
    assert vars(again) | {"_pending": []} == vars(c) | {"_pending": []}
