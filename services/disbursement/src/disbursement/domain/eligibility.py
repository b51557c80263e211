"""Evaluates a program's rules and benefit formula for one household, saying why (rule, facts, desil snapshot).

The same function decides for the bulk computation of a cycle and for the explanation an officer or a dry run
asks for, so an explanation can never disagree with what was computed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Literal

from disbursement.domain.programs import (
    Composition,
    DesilBand,
    ExcludePrograms,
    FlatBenefit,
    InRegions,
    MonthlyBenefit,
    PerMemberBenefit,
    ProgramDefinition,
    Verification,
)

Outcome = Literal["eligible", "held", "not_eligible"]
RuleResult = Literal["pass", "fail", "hold"]
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True, slots=True)
class Ranking:
    """One ranking snapshot the registry published for a household (`HouseholdRanked`)."""

    snapshot: str
    desil: int
    rule_version: str | None = None


def snapshot_starts(snapshot: str) -> date | None:
    """The day a ranking snapshot comes into force: the first day of its quarter (`2026-Q4` -> 2026-10-01), or
    the day an ISO date label names. None for a label that names no date (such a snapshot is never in force)."""
    m = _QUARTER.match(snapshot)
    try:
        if m:
            return date(int(m[1]), 3 * int(m[2]) - 2, 1)
        return date.fromisoformat(snapshot) if len(snapshot) == 10 else None
    except ValueError:
        return None


def ranking_in_force(rankings: Iterable[Ranking], cutoff: date) -> Ranking | None:
    """The snapshot in force at a cut-off: the newest whose ranking date is on or before it. A snapshot dated
    after the cut-off never counts, however great its label (`2563-Q3` is the year 2563, not a later quarter)."""
    best: tuple[date, Ranking] | None = None
    for r in rankings:
        starts = snapshot_starts(r.snapshot)
        if starts is not None and starts <= cutoff and (best is None or starts > best[0]):
            best = (starts, r)
    return best[1] if best else None


@dataclass(frozen=True, slots=True)
class Household:
    """What the replica knows of a household: no names, no NIK, no address — codes and facts only."""

    household_ref: str
    household_version: int
    village_code: str
    district_code: str
    regency_code: str
    province_code: str
    verification: str
    desil: int | None
    desil_rule_version: str | None = None
    desil_snapshot: str | None = None
    #: None: not loaded (a program that needs no member's facts beyond presence reads `present_until`).
    members: Sequence[Mapping[str, Any]] | None = ()
    #: The last day any member is present (STILL_PRESENT if someone still is); None if nobody ever is.
    present_until: date | None = None
    #: Every ranking snapshot received: the desil that counts is the one in force at the cut-off (`at`).
    rankings: Sequence[Ranking] = ()

    def at(self, cutoff: date) -> Household:
        """The household as ranked at the cut-off: the desil, rule version and snapshot of the ranking in force
        then (none in force: no desil). A household with no ranking history keeps the desil it came with (the
        registry's state, whose snapshot the replica was not told)."""
        if not self.rankings:
            return self
        r = ranking_in_force(self.rankings, cutoff)
        if r is None:
            return replace(self, desil=None, desil_rule_version=None, desil_snapshot=None)
        return replace(self, desil=r.desil, desil_rule_version=r.rule_version, desil_snapshot=r.snapshot)


@dataclass(frozen=True, slots=True)
class RuleOutcome:
    rule_id: str
    kind: str
    description: str
    result: RuleResult
    facts: dict[str, Any]


@dataclass(frozen=True, slots=True)
class MemberOutcome:
    member_ref: str
    counted: bool
    component: str | None
    annual_amount: int
    reason: str


@dataclass(frozen=True, slots=True)
class Decision:
    household_ref: str
    program_code: str
    rule_version: str
    outcome: Outcome
    amount: int
    members_counted: int
    rules: list[RuleOutcome]
    members: list[MemberOutcome] = field(default_factory=list)
    desil: int | None = None
    desil_rule_version: str | None = None
    desil_snapshot: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "household_ref": self.household_ref, "program_code": self.program_code,
            "rule_version": self.rule_version, "outcome": self.outcome, "amount": self.amount,
            "members_counted": self.members_counted,
            "desil": {"value": self.desil, "rule_version": self.desil_rule_version, "snapshot": self.desil_snapshot},
            "rules": [{"rule_id": r.rule_id, "kind": r.kind, "description": r.description, "result": r.result,
                       "facts": r.facts} for r in self.rules],
            "members": [{"member_ref": m.member_ref, "counted": m.counted, "component": m.component,
                         "annual_amount": m.annual_amount, "reason": m.reason} for m in self.members],
        }


STILL_PRESENT = date(9999, 12, 31)


def present_until(members: Sequence[Mapping[str, Any]]) -> date | None:
    """Until when the household has anyone in it: a member counts up to the day they died or left (the same
    rule as `_present_at`: present at a cut-off exactly when this date is after it)."""
    best: date | None = None
    for m in members:
        died, left = m.get("died_on"), m.get("left_on")
        if died is None and m.get("alive", True) is False:
            continue
        end = STILL_PRESENT
        if died is not None:
            end = min(end, _as_date(died))
        if left is not None:
            end = min(end, _as_date(left))
        best = end if best is None else max(best, end)
    return best


def age_at(birth_month: str, cutoff: date) -> int:
    year, month = int(birth_month[:4]), int(birth_month[5:7])
    return cutoff.year - year - (1 if cutoff.month < month else 0)


def _present_at(member: Mapping[str, Any], cutoff: date) -> tuple[bool, str]:
    """A member who died or left on or before the cut-off does not count; one who did so after it still does."""
    died, left = member.get("died_on"), member.get("left_on")
    if died is not None and _as_date(died) <= cutoff:
        return False, f"meninggal {died}, sebelum batas {cutoff.isoformat()}"
    if died is None and member.get("alive", True) is False:
        return False, "meninggal (tanggal tidak diketahui)"
    if left is not None and _as_date(left) <= cutoff:
        return False, f"keluar dari keluarga {left}, sebelum batas {cutoff.isoformat()}"
    return True, "hadir pada batas waktu"


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def components(member: Mapping[str, Any], cutoff: date) -> list[str]:
    """The PKH-style components a member carries at the cut-off."""
    found = []
    age = age_at(str(member["birth_month"]), cutoff)
    if member.get("pregnant"):
        found.append("pregnant")
    school = member.get("school_level", "none")
    if age <= 6 and school in ("none", "paud"):
        found.append("early_childhood")
    if school in ("sd", "smp", "sma"):
        found.append(school)
    if member.get("severe_disability"):
        found.append("severe_disability")
    if age >= 60:
        found.append("elderly")
    return found


def _members(household: Household, cutoff: date, annual: Mapping[Any, int] | None,
             wanted: set[str] | None) -> list[MemberOutcome]:
    out = []
    for m in household.members or ():
        present, why = _present_at(m, cutoff)
        ref = str(m.get("member_ref", "?"))
        if not present:
            out.append(MemberOutcome(ref, False, None, 0, why))
            continue
        if annual is None and wanted is None:  # any member present counts: no need to read their facts
            out.append(MemberOutcome(ref, True, None, 0, why))
            continue
        comps = components(m, cutoff)
        if wanted is not None:
            comps = [c for c in comps if c in wanted]
        if annual is not None:
            priced = sorted(((annual[c], c) for c in comps if c in annual), reverse=True)
            if priced:
                out.append(MemberOutcome(ref, True, priced[0][1], priced[0][0], "komponen " + priced[0][1]))
            else:
                out.append(MemberOutcome(ref, False, None, 0, "tidak ada komponen program"))
        else:
            out.append(MemberOutcome(ref, bool(comps), comps[0] if comps else None, 0,
                                     "memenuhi komposisi" if comps else "tidak memenuhi komposisi"))
    return out


def evaluate(program: ProgramDefinition, household: Household, cutoff: date, *,
             other_programs: frozenset[str] = frozenset()) -> Decision:
    """Decide one household for one program at a cut-off. `other_programs`: codes of programs the household
    already has an entitlement in for the same period (for exclusion rules). The desil is the one of the ranking
    in force at the cut-off (`Household.at`)."""
    household = household.at(cutoff)
    results: list[RuleOutcome] = []
    member_outcomes: list[MemberOutcome] | None = None
    for rule in program.rules:
        if isinstance(rule, DesilBand):
            ok = household.desil is not None and rule.min <= household.desil <= rule.max
            results.append(RuleOutcome(rule.id, rule.kind, rule.description, "pass" if ok else "fail", {
                "desil": household.desil, "band": [rule.min, rule.max],
                "desil_snapshot": household.desil_snapshot, "desil_rule_version": household.desil_rule_version}))
        elif isinstance(rule, InRegions):
            codes = (household.village_code, household.district_code, household.regency_code,
                     household.province_code)
            match = next((c for c in rule.codes if any(code == c or code.startswith(c + ".") for code in codes)),
                         None)
            results.append(RuleOutcome(rule.id, rule.kind, rule.description, "pass" if match else "fail", {
                "village_code": household.village_code, "matched": match}))
        elif isinstance(rule, Verification):
            v = household.verification
            result: RuleResult = "pass" if v in rule.allowed else "hold" if v in rule.hold else "fail"
            results.append(RuleOutcome(rule.id, rule.kind, rule.description, result, {"verification": v}))
        elif isinstance(rule, Composition) and household.members is None and not rule.any_of \
                and rule.min_members == 1:
            # Bulk path: presence alone decides; per-member reasons come with the explanation (members loaded).
            n = 1 if household.present_until is not None and household.present_until > cutoff else 0
            results.append(RuleOutcome(rule.id, rule.kind, rule.description,
                                       "pass" if n >= rule.min_members else "fail",
                                       {"members_present": n, "min_members": rule.min_members,
                                        "present_until": str(household.present_until)}))
        elif isinstance(rule, Composition):
            member_outcomes = _members(household, cutoff, None, set(rule.any_of) or None)
            n = sum(m.counted for m in member_outcomes)
            results.append(RuleOutcome(rule.id, rule.kind, rule.description,
                                       "pass" if n >= rule.min_members else "fail",
                                       {"members_matching": n, "min_members": rule.min_members,
                                        "any_of": list(rule.any_of)}))
        elif isinstance(rule, ExcludePrograms):
            hit = sorted(set(rule.codes) & other_programs)
            results.append(RuleOutcome(rule.id, rule.kind, rule.description, "fail" if hit else "pass",
                                       {"other_programs": hit}))
    amount, counted, members = _benefit(program, household, cutoff, member_outcomes)
    if any(r.result == "fail" for r in results):
        outcome: Outcome = "not_eligible"
    elif amount <= 0:
        outcome = "not_eligible"
        results.append(RuleOutcome("benefit", "benefit", "manfaat lebih dari nol", "fail",
                                   {"amount": amount, "members_counted": counted}))
    else:
        outcome = "held" if any(r.result == "hold" for r in results) else "eligible"
    return Decision(household.household_ref, program.code, program.rule_version, outcome,
                    amount if outcome != "not_eligible" else 0, counted, results, members, household.desil,
                    household.desil_rule_version, household.desil_snapshot)


def _benefit(program: ProgramDefinition, household: Household, cutoff: date,
             member_outcomes: list[MemberOutcome] | None) -> tuple[int, int, list[MemberOutcome]]:
    benefit = program.benefit
    if isinstance(benefit, FlatBenefit):
        return benefit.amount, 0, member_outcomes or []
    if isinstance(benefit, MonthlyBenefit):
        return benefit.amount_per_month * benefit.months_per_cycle, 0, member_outcomes or []
    assert isinstance(benefit, PerMemberBenefit)
    members = _members(household, cutoff, benefit.annual, None)
    ranked = sorted((m for m in members if m.counted), key=lambda m: -m.annual_amount)
    kept = {id(m) for m in ranked[:benefit.cap_members]}
    final = [m if not m.counted or id(m) in kept else
             MemberOutcome(m.member_ref, False, m.component, m.annual_amount,
                           f"melebihi batas {benefit.cap_members} anggota") for m in members]
    annual = sum(m.annual_amount for m in final if m.counted)
    return annual // benefit.tranches_per_year, min(len(ranked), benefit.cap_members), final
