"""Which quarter a welfare ranking is of: one that has begun, in the register's lifetime."""

from __future__ import annotations

from datetime import date

from gotong.domain.errors import ValidationFailed

#: DTSEN, the register this service keeps, exists from 2025 (Inpres 4/2025): no ranking of an earlier quarter.
FIRST_RANKING_DAY = date(2025, 1, 1)


def quarter_of(on: date) -> tuple[str, date]:
    """The quarter's snapshot name (`2026-Q4`) and its first day."""
    q = (on.month - 1) // 3
    return f"{on.year}-Q{q + 1}", date(on.year, q * 3 + 1, 1)


def check_ranking_day(on: date, today: date) -> date:
    """A ranking is of a quarter that has begun and that the register existed in; any other label would outrank
    every real quarter (a future one) or rewrite history (an earlier one)."""
    if on > today:
        raise ValidationFailed(f"{on.isoformat()} has not come yet: a ranking is of a quarter that has begun",
                               field="on")
    if on < FIRST_RANKING_DAY:
        raise ValidationFailed(f"{on.isoformat()} is before the register existed "
                               f"(first quarter {quarter_of(FIRST_RANKING_DAY)[0]})", field="on")
    return on
