"""Welfare ranking: a proxy means test score per household, then desil 1–10 over the ranked population.

The score is documented and versioned in a rule file (`registry/adapters/rules/<version>.json`, see the
`description` there; loaded by `registry.adapters.reference.load_rule`); a ranking run names the rule version it
used, so a past desil can always be explained.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from registry.domain.model import Attributes, MemberFact, age_on

DEFAULT_RULE = "pmt-2026.1"


@dataclass(frozen=True)
class PmtRule:
    version: str
    spec: dict[str, Any]

    def score(self, attributes: Attributes, members: Iterable[MemberFact], on: date) -> float:
        s = self.spec
        living = [m for m in members if m.alive and m.left_on is None]
        size = max(len(living), 1)
        dependants = sum(1 for m in living if not s["child_age"] < age_on(m.birth_month, on) < s["elderly_age"])
        points = sum(float(s["categorical"][name][getattr(attributes, name)]) for name in s["categorical"])
        points += sum(float(s["assets"][a]) for a in set(attributes.assets))
        points += min(attributes.livestock * s["livestock_per_head"], s["livestock_cap"])
        points += min(attributes.floor_area_m2 / size, s["floor_area_per_capita_cap_m2"]) * \
            s["floor_area_per_capita_m2"]
        points += attributes.income_band * s["income_band"] + attributes.expenditure_band * s["expenditure_band"]
        points += size * s["per_member"] + dependants * s["per_dependant"]
        return round(float(points), 4)


def deciles(scores: Sequence[tuple[Any, float]]) -> dict[Any, int]:
    """desil 1 (poorest 10%) … 10 over the given (key, score) pairs; ties broken by key for determinism."""
    ordered = sorted(scores, key=lambda ks: (ks[1], str(ks[0])))
    n = len(ordered)
    return {key: rank * 10 // n + 1 for rank, (key, _) in enumerate(ordered)}
