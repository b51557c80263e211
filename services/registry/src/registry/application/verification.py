"""Automatic verification, run on every registration and change, for one household or a whole batch.

Checks, each a reason code when it fails:
- `head_too_young`            the head of the family is under 15;
- `duplicate_nik`             a member's NIK is an active member of another household (exact duplicate);
  duplicates name the `other_households` (references) so a reviewer can open them;
- `duplicate_kk`              the same No. KK is registered twice;
- `probable_duplicate`        same district, same birth date and a similar name (phonetic key) elsewhere;
- `civil_registry_mismatch`   Dukcapil has other name/birth date/sex for the NIK;
- `civil_registry_not_found`  Dukcapil does not know the NIK;
a death on record at Dukcapil is not a flag: it marks the member dead (event `MemberDied`, source civil_registry).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from registry.adapters.civil_registry import CivilQuery, CivilRegistry
from registry.adapters.households import IndexLookups
from registry.application.personal import Indexes, Personal
from registry.domain.household import head_too_young
from registry.domain.model import MemberFact

CHECKS = ["structure", "duplicate_nik", "duplicate_kk", "probable_duplicate", "civil_registry"]


@dataclass
class Local:
    """What the checks learn from the household alone: its own reasons and whom to ask Dukcapil about."""

    reasons: list[dict[str, str]]
    civil: list[tuple[str, CivilQuery]]  # (member_ref, query) of living members still in the household


def local_checks(personal: Personal, facts: dict[str, MemberFact], today: date) -> Local:
    civil = []
    for ref, p in personal.members.items():
        fact = facts.get(ref)
        if fact is None or not fact.alive or fact.left_on is not None:
            continue
        civil.append((ref, CivilQuery(p["nik"], p["name"], date.fromisoformat(p["birth_date"]), p["sex"])))
    return Local(head_too_young(facts.values(), today), civil)


@dataclass
class Candidate:
    """A household to check: its blind indexes, and its personal data and facts (or their `Local` checks, done
    already where the household was prepared: the bulk import's worker processes)."""

    household_id: UUID
    index: Indexes
    personal: Personal | None = None
    facts: dict[str, MemberFact] = field(default_factory=dict)
    local: Local | None = None

    def local_checks(self, today: date) -> Local:
        if self.local is not None:
            return self.local
        assert self.personal is not None, "a candidate has its personal data or its local checks"
        return local_checks(self.personal, self.facts, today)


@dataclass
class Outcome:
    reasons: list[dict[str, str]] = field(default_factory=list)
    deaths: list[tuple[str, date]] = field(default_factory=list)


def _others(households: set[UUID], own: UUID) -> str:
    """The other households a duplicate points at (references, not personal data), for the reviewer."""
    return ",".join(sorted(str(h) for h in households if h != own))


async def verify(lookups: IndexLookups, candidates: Sequence[Candidate], civil: CivilRegistry,
                 today: date, *, writing: Sequence[tuple[UUID, Indexes]] = ()) -> dict[UUID, Outcome]:
    """The checks' outcome per candidate. `writing`: households being written by another transaction (the bulk
    import's previous batch), counted as in the register whether or not that transaction has committed yet."""
    out = {c.household_id: Outcome() for c in candidates}
    ids = [c.household_id for c in candidates]
    local = [(c.household_id, c.local_checks(today)) for c in candidates]
    for hid, checks in local:
        out[hid].reasons.extend(checks.reasons)

    # exact duplicates: against the register and within the batch itself
    nik_owner: dict[bytes, list[tuple[UUID, str]]] = defaultdict(list)
    for c in candidates:
        for h, ref, _ in c.index.niks:
            nik_owner[h].append((c.household_id, ref))
    found = await lookups.nik_owners(list(nik_owner))
    found += [(h, hid) for hid, index in writing for h, _, _ in index.niks if h in nik_owner]
    for nik_hash, owner in found:
        nik_owner[nik_hash].append((owner, ""))
    for owners in nik_owner.values():
        households = {hid for hid, _ in owners}
        if len(households) > 1:
            for hid, ref in owners:
                if hid in out and ref:
                    out[hid].reasons.append({"code": "duplicate_nik", "member_ref": ref,
                                             "other_households": _others(households, hid)})

    kk_owner: dict[bytes, set[UUID]] = defaultdict(set)
    for c in candidates:
        kk_owner[c.index.kk_hash].add(c.household_id)
    found = await lookups.kk_owners(list(kk_owner))
    found += [(index.kk_hash, hid) for hid, index in writing if index.kk_hash in kk_owner]
    for kk_hash, owner in found:
        kk_owner[kk_hash].add(owner)
    candidates_ids = set(out)
    for kk_owners in kk_owner.values():
        if len(kk_owners) > 1:
            for hid in kk_owners & candidates_ids:
                out[hid].reasons.append({"code": "duplicate_kk", "other_households": _others(kk_owners, hid)})

    # probable duplicates: same district + birth date + phonetic name, different NIK, other household
    match_owner: dict[bytes, list[tuple[UUID, str]]] = defaultdict(list)
    for c in candidates:
        for mh, _, ref in c.index.names:
            match_owner[mh].append((c.household_id, ref))
    found = await lookups.name_match_owners(list(match_owner), ids)
    found += [(m, hid) for hid, index in writing for m, _, _ in index.names if m in match_owner]
    for match_hash, owner in found:
        match_owner[match_hash].append((owner, ""))
    for owners in match_owner.values():
        households = {hid for hid, _ in owners}
        if len(households) > 1:
            for hid, ref in owners:
                if hid in out and ref and not any(x.get("member_ref") == ref and x["code"] == "duplicate_nik"
                                                  for x in out[hid].reasons):
                    out[hid].reasons.append({"code": "probable_duplicate", "member_ref": ref,
                                             "other_households": _others(households, hid)})

    queries = [(hid, ref, q) for hid, checks in local for ref, q in checks.civil]
    answers = await civil.check([q for _, _, q in queries]) if queries else []
    for (hid, ref, _), answer in zip(queries, answers, strict=True):
        if answer.status == "dead" and answer.died_on is not None:
            out[hid].deaths.append((ref, answer.died_on))
        elif answer.status == "mismatch":
            out[hid].reasons.append({"code": "civil_registry_mismatch", "member_ref": ref,
                                     "fields": ",".join(answer.fields)})
        elif answer.status == "not_found":
            out[hid].reasons.append({"code": "civil_registry_not_found", "member_ref": ref})
    return out
