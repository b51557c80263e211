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

from collections.abc import Awaitable, Callable, Sequence, Set
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


class Batch:
    """Households to check, as flat lists: one entry per household, or per indexed person with the position of its
    household (`nik_of`, `match_of`, `civil_of`). The bulk import builds it straight from its prepared rows, a
    thousand households at a time; `verify` builds it from its candidates. In a batch of new households almost no
    hash is found twice, so the checks find that out with whole-list operations (a dict of the hashes, a set
    intersection) and look at single persons only where a hash is shared."""

    def __init__(self, household_ids: list[UUID], kk_hashes: Sequence[bytes], *, nik_hashes: Sequence[bytes],
                 nik_refs: Sequence[str], nik_of: Sequence[int], match_hashes: Sequence[bytes],
                 match_refs: Sequence[str], match_of: Sequence[int], reasons: dict[int, list[dict[str, str]]],
                 civil: Sequence[CivilQuery], civil_refs: Sequence[str], civil_of: Sequence[int]) -> None:
        self.household_ids, self.kk_hashes = household_ids, kk_hashes
        self.nik_hashes, self.nik_refs, self.nik_of = nik_hashes, nik_refs, nik_of
        self.match_hashes, self.match_refs, self.match_of = match_hashes, match_refs, match_of
        self.reasons = reasons  # each household's own (`Local`), where it has any
        self.civil, self.civil_refs, self.civil_of = civil, civil_refs, civil_of
        self._sets: dict[str, frozenset[bytes]] = {}

    def hashes(self, kind: str) -> frozenset[bytes]:
        """The batch's hashes of one kind (`kk`, `nik`, `match`) as a set, made once: a later batch checked while
        this one is written asks it."""
        found = self._sets.get(kind)
        if found is None:
            found = self._sets[kind] = frozenset(self._hashes(kind)[0])
        return found

    def _hashes(self, kind: str) -> tuple[Sequence[bytes], Sequence[int]]:
        if kind == "kk":
            return self.kk_hashes, range(len(self.kk_hashes))
        if kind == "nik":
            return self.nik_hashes, self.nik_of
        return self.match_hashes, self.match_of

    def owners(self, kind: str, wanted: Set[bytes]) -> list[tuple[bytes, UUID]]:
        """(hash, household) of each entry whose hash is in `wanted`."""
        if not wanted or not (self.hashes(kind) & wanted):
            return []
        hashes, of = self._hashes(kind)
        ids = self.household_ids
        return [(h, ids[of[i]]) for i, h in enumerate(hashes) if h in wanted]

    @classmethod
    def of(cls, households: Sequence[tuple[UUID, Indexes, Local | None]]) -> Batch:
        """A batch of households given one by one (`Local` None: nothing to ask Dukcapil, no reasons)."""
        nik_hashes: list[bytes] = []
        match_hashes: list[bytes] = []
        nik_refs: list[str] = []
        match_refs: list[str] = []
        civil_refs: list[str] = []
        nik_of: list[int] = []
        match_of: list[int] = []
        civil_of: list[int] = []
        civil: list[CivilQuery] = []
        reasons: dict[int, list[dict[str, str]]] = {}
        for pos, (_, index, local) in enumerate(households):
            nik_hashes += [h for h, _, _ in index.niks]
            nik_refs += [ref for _, ref, _ in index.niks]
            nik_of += [pos] * len(index.niks)
            match_hashes += [m for m, _, _ in index.names]
            match_refs += [ref for _, _, ref in index.names]
            match_of += [pos] * len(index.names)
            if local is not None:
                if local.reasons:
                    reasons[pos] = local.reasons
                civil += [q for _, q in local.civil]
                civil_refs += [ref for ref, _ in local.civil]
                civil_of += [pos] * len(local.civil)
        return cls([hid for hid, _, _ in households], [index.kk_hash for _, index, _ in households],
                   nik_hashes=nik_hashes, nik_refs=nik_refs, nik_of=nik_of, match_hashes=match_hashes,
                   match_refs=match_refs, match_of=match_of, reasons=reasons, civil=civil, civil_refs=civil_refs,
                   civil_of=civil_of)


def _others(households: set[UUID], own: UUID) -> str:
    """The other households a duplicate points at (references, not personal data), for the reviewer."""
    return ",".join(sorted(str(h) for h in households if h != own))


def _repeated(hashes: Sequence[bytes], unique: int) -> set[bytes]:
    """The hashes that occur more than once in `hashes` (`unique`: how many distinct ones there are)."""
    if unique == len(hashes):
        return set()
    seen: set[bytes] = set()
    return {h for h in hashes if h in seen or seen.add(h)}  # type: ignore[func-returns-value]


def _groups(hashes: Sequence[bytes], refs: Sequence[str] | None, of: Sequence[int], ids: Sequence[UUID],
            shared: set[bytes], found: list[tuple[bytes, UUID]]) -> dict[bytes, list[tuple[UUID, str, int]]]:
    """Each shared hash's owners: the batch's own, in batch order (the hashes in the order each first occurs), then
    those found elsewhere (no member reference, no position)."""
    groups: dict[bytes, list[tuple[UUID, str, int]]] = {}
    for i, h in enumerate(hashes):
        if h in shared:
            pos = of[i]
            groups.setdefault(h, []).append((ids[pos], refs[i] if refs is not None else "", pos))
    for h, owner in found:
        groups[h].append((owner, "", -1))
    return groups


async def _shared(hashes: Sequence[bytes], kind: str,
                  owners: Callable[[list[bytes]], Awaitable[list[tuple[bytes, UUID]]]],
                  writing: Sequence[Batch]) -> tuple[set[bytes], list[tuple[bytes, UUID]]]:
    """Of a batch's hashes of one `kind`, those more than one household may hold: repeated in the batch, or held
    in the register (`owners`, asked once per distinct hash) or by a batch being written; and those other holders,
    (hash, household)."""
    first = dict.fromkeys(hashes)
    found = await owners(list(first))
    found += [pair for other in writing for pair in other.owners(kind, first.keys())]
    return _repeated(hashes, len(first)) | {h for h, _ in found}, found


async def check(lookups: IndexLookups, batch: Batch, civil: CivilRegistry, *,
                writing: Sequence[Batch] = ()) -> dict[int, Outcome]:
    """The checks' outcome of each household of `batch` that has any (reason or death), by its position.
    `writing`: batches being written by another transaction (the bulk import's previous ones), counted as in
    the register whether or not that transaction has committed yet."""
    ids = batch.household_ids
    out: dict[int, Outcome] = {pos: Outcome(list(reasons)) for pos, reasons in batch.reasons.items()}

    def outcome(pos: int) -> Outcome:
        found = out.get(pos)
        if found is None:
            found = out[pos] = Outcome()
        return found

    # exact duplicates: against the register and within the batch itself
    shared, found = await _shared(batch.nik_hashes, "nik", lookups.nik_owners, writing)
    if shared:
        for owners in _groups(batch.nik_hashes, batch.nik_refs, batch.nik_of, ids, shared, found).values():
            households = {hid for hid, _, _ in owners}
            if len(households) > 1:
                for hid, ref, pos in owners:
                    if ref:
                        outcome(pos).reasons.append({"code": "duplicate_nik", "member_ref": ref,
                                                     "other_households": _others(households, hid)})

    shared, found = await _shared(batch.kk_hashes, "kk", lookups.kk_owners, writing)
    if shared:
        for owners in _groups(batch.kk_hashes, None, range(len(ids)), ids, shared, found).values():
            households = {hid for hid, _, _ in owners}
            if len(households) > 1:
                for hid, pos in dict.fromkeys((hid, pos) for hid, _, pos in owners if pos >= 0):
                    outcome(pos).reasons.append({"code": "duplicate_kk", "other_households": _others(households,
                                                                                                     hid)})

    # probable duplicates: same district + birth date + phonetic name, different NIK, other household
    shared, found = await _shared(batch.match_hashes, "match",
                                  lambda hashes: lookups.name_match_owners(hashes, ids), writing)
    if shared:
        for owners in _groups(batch.match_hashes, batch.match_refs, batch.match_of, ids, shared, found).values():
            households = {hid for hid, _, _ in owners}
            if len(households) > 1:
                for hid, ref, pos in owners:
                    if ref and not any(x.get("member_ref") == ref and x["code"] == "duplicate_nik"
                                       for x in outcome(pos).reasons):
                        outcome(pos).reasons.append({"code": "probable_duplicate", "member_ref": ref,
                                                     "other_households": _others(households, hid)})

    answers = await civil.check(batch.civil) if batch.civil else []
    refs, of = batch.civil_refs, batch.civil_of
    for i, answer in enumerate(answers):
        status = answer.status
        if status == "match":
            continue
        if status == "dead" and answer.died_on is not None:
            outcome(of[i]).deaths.append((refs[i], answer.died_on))
        elif status == "mismatch":
            outcome(of[i]).reasons.append({"code": "civil_registry_mismatch", "member_ref": refs[i],
                                           "fields": ",".join(answer.fields)})
        elif status == "not_found":
            outcome(of[i]).reasons.append({"code": "civil_registry_not_found", "member_ref": refs[i]})
    return out


async def verify(lookups: IndexLookups, candidates: Sequence[Candidate], civil: CivilRegistry,
                 today: date, *, writing: Sequence[tuple[UUID, Indexes]] = ()) -> dict[UUID, Outcome]:
    """The checks' outcome per candidate. `writing`: households being written by another transaction, counted as in
    the register whether or not that transaction has committed yet."""
    batch = Batch.of([(c.household_id, c.index, c.local_checks(today)) for c in candidates])
    others = [Batch.of([(hid, index, None) for hid, index in writing])] if writing else []
    found = await check(lookups, batch, civil, writing=others)
    out = {c.household_id: Outcome() for c in candidates}
    for pos, outcome in found.items():
        into = out[candidates[pos].household_id]
        into.reasons.extend(outcome.reasons)
        into.deaths.extend(outcome.deaths)
    return out
