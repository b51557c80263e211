"""The Triple Helix check: a project is complete only with at least one active partner in each of the three
strands (government, campus, industry) who is a party to a signed or active agreement of the project whose
term has not run out. When it is not, the check says why, strand by strand."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from partnership.domain.agreement import BINDING
from partnership.domain.values import CORE_STRANDS, STRANDS, Strand


@dataclass(frozen=True)
class PartnerFacts:
    id: str
    name: str
    strand: Strand
    status: str


@dataclass(frozen=True)
class AgreementFacts:
    id: str
    title: str
    status: str
    parties: frozenset[str]
    ends_on: date

    def binding_on(self, day: date) -> bool:
        return self.status in BINDING and day <= self.ends_on


@dataclass
class StrandCheck:
    present: bool = False
    partners: list[str] = field(default_factory=list)  # the partners that qualify
    reasons: list[str] = field(default_factory=list)  # why the others do not


@dataclass
class HelixAssessment:
    as_of: date
    strands: dict[Strand, StrandCheck]

    @property
    def missing(self) -> list[Strand]:
        return [s for s in CORE_STRANDS if not self.strands[s].present]

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def present(self) -> list[Strand]:
        return [s for s in STRANDS if self.strands[s].present]

    def reasons(self) -> list[str]:
        out = []
        for s in self.missing:
            found = self.strands[s].reasons
            out.extend(found or [f"no {s} partner on the project"])
        return out

    def to_dict(self) -> dict[str, object]:
        return {"complete": self.complete, "as_of": self.as_of.isoformat(), "missing": self.missing,
                "present": self.present, "reasons": self.reasons(),
                "strands": {s: {"present": c.present, "partners": c.partners, "reasons": c.reasons}
                            for s, c in self.strands.items()}}


def _why_not(p: PartnerFacts, agreements: Sequence[AgreementFacts], as_of: date) -> str | None:
    """None when the partner counts; else the reason it does not."""
    if p.status != "active":
        return f"{p.name} ({p.strand}) is inactive"
    own = [a for a in agreements if p.id in a.parties]
    if any(a.binding_on(as_of) for a in own):
        return None
    if not own:
        return f"{p.name} ({p.strand}) is not a party to any agreement of this project"
    states = "; ".join(f"'{a.title}' is {a.status}" if a.status not in BINDING
                       else f"'{a.title}' ran out on {a.ends_on}" for a in own)
    return f"{p.name} ({p.strand}) has no signed or active agreement: {states}"


def assess(project_partners: Iterable[str], partners: Mapping[str, PartnerFacts],
           agreements: Sequence[AgreementFacts], as_of: date) -> HelixAssessment:
    strands: dict[Strand, StrandCheck] = {s: StrandCheck() for s in STRANDS}
    for pid in project_partners:
        p = partners.get(pid)
        if p is None:
            continue
        check = strands[p.strand]
        reason = _why_not(p, agreements, as_of)
        if reason is None:
            check.present = True
            check.partners.append(pid)
        else:
            check.reasons.append(reason)
    for check in strands.values():
        if check.present:
            check.reasons.clear()
    return HelixAssessment(as_of, strands)
