"""Public accountability for grievances, computed once for the portal's page and the canvas. Pure.

From the cases the grievance service published (codes and times only): cases by kind and by province, the
median time from receipt to the first decision, the SLA breach rate (of the cases whose deadline has come or
that were decided, the share whose deadline passed without a decision), and the share upheld (of the decided
cases, by their latest decision). A group under MIN_CELL cases is pooled, and a figure whose base is under
MIN_CELL cases is not published, by the portal's one small-cell rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import median

from canvas_projector.domain.figures import MIN_CELL, protect

KINDS = ("sanggah", "payment_complaint", "data_correction", "usul")
#: The pooled group's name; the page writes it in its language.
OTHERS = "others"


@dataclass(frozen=True)
class CaseRow:
    kind: str
    region_code: str
    received_at: datetime
    due_at: datetime
    decided_at: datetime | None
    outcome: str | None
    breached: bool


@dataclass(frozen=True)
class GrievanceFigures:
    total: int
    by_kind: list[tuple[str, int]]  # small kinds pooled into OTHERS
    by_province: list[tuple[str, int]]  # province code -> cases; small provinces pooled into OTHERS
    decided: int
    median_days: float | None  # None: fewer than MIN_CELL decided cases
    deadline_base: int  # cases whose deadline has come, or that were decided
    breached: int
    breach_rate: float | None  # breached / deadline_base; None under MIN_CELL
    upheld: int
    upheld_share: float | None  # upheld / decided; None under MIN_CELL

    @property
    def published(self) -> bool:
        """Whether any count can be shown at all."""
        return self.total >= MIN_CELL


def _pooled(counts: dict[str, int]) -> list[tuple[str, int]]:
    groups = protect([(name, n, n) for name, n in counts.items()], OTHERS)
    return [(name, n) for name, n, _ in groups]


def grievance_figures(rows: list[CaseRow], now: datetime) -> GrievanceFigures:
    """The figures as they stand at `now` (the rows already limited to cases received by then)."""
    by_kind: dict[str, int] = {}
    by_province: dict[str, int] = {}
    for r in rows:
        by_kind[r.kind] = by_kind.get(r.kind, 0) + 1
        province = r.region_code.split(".")[0]
        by_province[province] = by_province.get(province, 0) + 1
    decided = [r for r in rows if r.decided_at is not None and r.decided_at <= now]
    days = [(r.decided_at - r.received_at).total_seconds() / 86400 for r in decided if r.decided_at is not None]
    base = [r for r in rows if r in decided or r.due_at <= now]
    breached = sum(r.breached for r in base)
    upheld = sum(r.outcome == "upheld" for r in decided)
    return GrievanceFigures(
        total=len(rows),
        by_kind=_pooled(by_kind),
        by_province=_pooled(by_province),
        decided=len(decided),
        median_days=round(median(days), 1) if len(days) >= MIN_CELL else None,
        deadline_base=len(base),
        breached=breached,
        breach_rate=breached / len(base) if len(base) >= MIN_CELL else None,
        upheld=upheld,
        upheld_share=upheld / len(decided) if len(decided) >= MIN_CELL else None,
    )


def percent(share: float | None, lang: str) -> str:
    """`0.125` -> `12,5%` (Indonesian) / `12.5%` (English); a dash when not published."""
    if share is None:
        return "\u2014"
    text = f"{100 * share:.1f}%"
    return text.replace(".", ",") if lang == "id" else text


def days(value: float | None, lang: str) -> str:
    """`4.5` -> `4,5 hari` / `4.5 days`; a dash when not published."""
    if value is None:
        return "\u2014"
    text = f"{value:.1f}"
    return (text.replace(".", ",") + " hari") if lang == "id" else (text + " days")
