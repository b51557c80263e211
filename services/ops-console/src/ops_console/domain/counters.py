"""The dashboard's counters, built from the read model's groups: what an operations room watches."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ItemRow:
    item_id: str
    state: str
    reason: str
    since: datetime
    amount: int


@dataclass(frozen=True)
class Counters:
    cycles: dict[str, int] = field(default_factory=dict)
    approvals_waiting: dict[str, int] = field(default_factory=dict)
    review_queue: dict[str, dict[str, int]] = field(default_factory=dict)  # reason -> age bucket -> count
    exceptions_open: dict[str, int] = field(default_factory=dict)
    payments_this_minute: int = 0
    payments_last_minute: int = 0
    held_households: int = 0

    @property
    def reviews_total(self) -> int:
        return sum(sum(ages.values()) for ages in self.review_queue.values())

    @classmethod
    def build(cls, groups: Iterable[tuple[str, str, str, int, int]], reviews: Iterable[tuple[str, str, int]],
              now: datetime, paid_now: int, paid_before: int) -> Counters:
        """`reviews`: (reason, age bucket, count), as the read model counts them (`age_bucket`)."""
        cycles: Counter[str] = Counter()
        approvals: Counter[str] = Counter()
        exceptions: Counter[str] = Counter()
        held = 0
        for kind, state, _reason, n, amount in groups:
            if kind == "cycle":
                cycles[state] += n
            elif kind == "allocation":
                approvals["csr_allocation"] += n
            elif kind == "approval":
                approvals[state] += n
            elif kind == "exception":
                exceptions[state] += n
            elif kind == "held":
                held += int(amount)
        queue: dict[str, dict[str, int]] = {}
        for reason, bucket, n in reviews:
            ages = queue.setdefault(reason or "-", {})
            ages[bucket] = ages.get(bucket, 0) + n
        return cls(dict(cycles), dict(approvals), queue, dict(exceptions), paid_now, paid_before, held)

    def as_json(self) -> dict[str, Any]:
        return {"cycles": self.cycles, "approvals_waiting": self.approvals_waiting,
                "review_queue": self.review_queue, "reviews_total": self.reviews_total,
                "exceptions_open": self.exceptions_open, "exceptions_total": sum(self.exceptions_open.values()),
                "payments_this_minute": self.payments_this_minute,
                "payments_last_minute": self.payments_last_minute, "held_households": self.held_households}
