"""Derived figures from an accepted report, in exact integer arithmetic (no floats): ratios are Decimals with
four places, rounded half up; cost per beneficiary is whole rupiah, rounded half up."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

PLACES = 4


def ratio(numerator: int, denominator: int) -> Decimal | None:
    """numerator / denominator to four places, half up; None when the denominator is zero."""
    if denominator == 0:
        return None
    sign = -1 if (numerator < 0) != (denominator < 0) else 1
    n, d = abs(numerator) * 10**PLACES, abs(denominator)
    return Decimal(sign * ((2 * n + d) // (2 * d))).scaleb(-PLACES)


def per_unit(amount: int, units: int) -> int | None:
    """Whole rupiah per unit, half up; None for zero units."""
    return None if units == 0 else (2 * amount + units) // (2 * units)


def derive(metrics: Mapping[str, int], previous: Mapping[str, int] | None = None) -> dict[str, Decimal | int | None]:
    earned, expenses = metrics["earned_revenue"], metrics["total_expenses"]
    grants = metrics["grants_received"]
    growth = None
    if previous is not None:
        before = previous["earned_revenue"]
        growth = ratio(earned - before, before)
    return {
        "self_sufficiency": ratio(earned, expenses),
        "grant_dependency": ratio(grants, earned + grants),
        "cost_per_beneficiary": per_unit(expenses, metrics["beneficiaries_served"]),
        "revenue_growth": growth,
    }


def as_json(figures: Mapping[str, Decimal | int | None]) -> dict[str, Any]:
    """Decimals as strings ('0.8750'), so no consumer ever sees a float."""
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in figures.items()}


def trend(points: Sequence[tuple[str, Mapping[str, Decimal | int | None]]]) -> dict[str, Any]:
    """Over periods of one kind, oldest first: each period's change in self-sufficiency from the one before,
    and the direction from first to last (improving / declining / steady)."""
    out: list[dict[str, Any]] = []
    last: Decimal | None = None
    for period, figures in points:
        current = figures.get("self_sufficiency")
        change = (current - last) if isinstance(current, Decimal) and last is not None else None
        out.append({"period": period, **as_json(figures), "self_sufficiency_change": str(change) if change is not None
                    else None})
        if isinstance(current, Decimal):
            last = current
    known = [v for _, f in points if isinstance(v := f.get("self_sufficiency"), Decimal)]
    direction = None
    if len(known) >= 2:
        first, final = known[0], known[-1]
        direction = "improving" if final > first else "declining" if final < first else "steady"
    return {"points": out, "self_sufficiency_direction": direction}
