"""The automatic checks over a whole batch, as flat lists, find what the checks household by household found: the
same reasons in the same order, the same deaths, whether the duplicates are within the batch, in the register or in
a batch still being written. `reference_verify` is the household-by-household version the batch one replaced."""

import random
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from gotong.domain.clock import FixedClock
from registry.adapters.civil_registry import CivilRegistry, DukcapilSimulator
from registry.adapters.crypto import KeyRing
from registry.adapters.imports import (
    household_row_copy,
    index_rows,
    name_fields,
    name_row,
    person_fields,
    person_row,
    timestamps,
)
from registry.adapters.reference import regions
from registry.application.import_prepare import PrepareContext, Prepped, Row, prepare_row
from registry.application.importer import _index_rows
from registry.application.personal import Indexes
from registry.application.verification import Candidate, Outcome, check, verify
from registry.config import DEV_MASTER_SECRET
from registry.synthetic import Defects, Truth, households

CLOCK = FixedClock(datetime(2026, 10, 1, 3, 0, tzinfo=UTC))
CTX = PrepareContext(KeyRing.from_text(DEV_MASTER_SECRET), regions(), CLOCK.today(), CLOCK)


def _others(households: set[UUID], own: UUID) -> str:
    return ",".join(sorted(str(h) for h in households if h != own))


async def reference_verify(lookups, candidates: Sequence[Candidate], civil: CivilRegistry, today: date, *,
                           writing: Sequence[tuple[UUID, Indexes]] = ()) -> dict[UUID, Outcome]:
    out = {c.household_id: Outcome() for c in candidates}
    ids = [c.household_id for c in candidates]
    local = [(c.household_id, c.local_checks(today)) for c in candidates]
    for hid, checks in local:
        out[hid].reasons.extend(checks.reasons)
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


class Register:
    """Index lookups of a register that holds the given hashes (each under its households)."""

    def __init__(self, niks: dict[bytes, list[UUID]], kks: dict[bytes, list[UUID]],
                 matches: dict[bytes, list[UUID]]) -> None:
        self.niks, self.kks, self.matches = niks, kks, matches

    async def nik_owners(self, nik_hashes):
        return [(h, hid) for h in nik_hashes for hid in self.niks.get(h, [])]

    async def kk_owners(self, kk_hashes):
        return [(h, hid) for h in kk_hashes for hid in self.kks.get(h, [])]

    async def name_match_owners(self, match_hashes, besides):
        return [(h, hid) for h in match_hashes for hid in self.matches.get(h, []) if hid not in besides]


def _prepared(seed: int) -> list[Prepped]:
    defects = Defects(duplicate_nik=0.1, dead_member=0.05, shared_account=0.05)
    rows = households(400, seed=seed, defects=defects, truth=Truth(), today=CLOCK.today())
    return [p for p in (prepare_row(CTX, Row(i, d)) for i, d in enumerate(rows, start=1)) if isinstance(p, Prepped)]


def _shared(batch: list[Prepped], writing: list[Prepped], rng: random.Random) -> tuple[list[Prepped], Register]:
    """The batch with hashes shared across households (within it, with the batch being written, with the
    register), in every position of a household's members."""
    def copy(p: Prepped, *, niks: list[bytes] | None = None, names: list[bytes] | None = None,
             kk: bytes | None = None) -> Prepped:
        return p._replace(person_rows=p.person_rows if niks is None else niks,
                          name_rows=p.name_rows if names is None else names, kk_hash=p.kk_hash if kk is None else kk)

    def member(rows: list[bytes], i: int) -> bytes:
        return rows[i][6:22]

    def with_member(rows: list[bytes], i: int, value: bytes) -> list[bytes]:
        return [r[:6] + value + r[22:] if k == i else r for k, r in enumerate(rows)]

    out = list(batch)
    register = Register(defaultdict(list), defaultdict(list), defaultdict(list))
    for pos in range(len(out)):
        p, roll = out[pos], rng.random()
        i = rng.randrange(len(p.refs))
        donor = rng.choice(out[:pos] + out[pos + 1:] + writing)
        j = rng.randrange(len(donor.refs))
        if roll < 0.08:
            out[pos] = copy(p, niks=with_member(p.person_rows, i, member(donor.person_rows, j)))
        elif roll < 0.14:
            out[pos] = copy(p, names=with_member(p.name_rows, i, member(donor.name_rows, j)))
        elif roll < 0.18:
            out[pos] = copy(p, kk=donor.kk_hash)
        elif roll < 0.22:
            register.niks[member(p.person_rows, i)] += [uuid4() for _ in range(rng.randrange(1, 3))]
        elif roll < 0.25:
            register.matches[member(p.name_rows, i)].append(uuid4())
        elif roll < 0.28:
            register.kks[p.kk_hash].append(uuid4())
        elif roll < 0.31:  # the same NIK and the same name elsewhere: a duplicate, not also a probable one
            out[pos] = copy(p, niks=with_member(p.person_rows, i, member(donor.person_rows, j)),
                            names=with_member(p.name_rows, i, member(donor.name_rows, j)))
    return out, register


def _civil(batch: list[Prepped]) -> DukcapilSimulator:
    some = [c[1] for p in batch[::7] for c in p.civil[:1]]
    return DukcapilSimulator(seed="speed", death_rate=0.02, mismatch_rate=0.03, not_found_rate=0.02,
                             deaths={nik: CLOCK.today() - timedelta(days=3) for nik in some[::2]},
                             unknown=set(some[1::2]))


async def test_the_batch_checks_find_what_the_household_checks_found():
    rng = random.Random(5)
    prepared = _prepared(seed=3)
    writing, batch = prepared[:120], prepared[120:]
    batch, register = _shared(batch, writing, rng)
    candidates = [Candidate(p.household_id, p.indexes(), local=p.local()) for p in batch]
    being_written = [(p.household_id, p.indexes()) for p in writing]
    civil = _civil(batch)

    expected = await reference_verify(register, candidates, civil, CTX.today, writing=being_written)
    assert await verify(register, candidates, civil, CTX.today, writing=being_written) == expected

    flagged = {hid for hid, o in expected.items() if o.reasons or o.deaths}
    codes = {r["code"] for o in expected.values() for r in o.reasons}
    assert {"duplicate_nik", "duplicate_kk", "probable_duplicate", "civil_registry_mismatch",
            "civil_registry_not_found"} <= codes
    assert any(o.deaths for o in expected.values())
    assert any(len(o.reasons) > 1 for o in expected.values())
    assert len(flagged) < len(batch)

    # the importer's batch, built from the prepared rows' packed hashes, and its previous batch's
    checks, _ = _index_rows(batch)
    previous, _ = _index_rows(writing)
    found = await check(register, checks, civil, writing=[previous])
    assert {batch[pos].household_id: o for pos, o in found.items()} == {
        hid: o for hid, o in expected.items() if hid in flagged}


async def test_a_household_alone_is_checked_as_before():
    prepared = _prepared(seed=9)[:30]
    civil = _civil(prepared)
    register = Register(defaultdict(list), defaultdict(list), defaultdict(list))
    register.niks[prepared[3].person_rows[0][6:22]].append(prepared[4].household_id)
    register.kks[prepared[5].kk_hash].append(prepared[5].household_id)  # itself: no duplicate
    register.kks[prepared[6].kk_hash].append(uuid4())
    for p in prepared:
        candidate = Candidate(p.household_id, p.indexes(), local=p.local())
        assert await verify(register, [candidate], civil, CTX.today) == \
            await reference_verify(register, [candidate], civil, CTX.today)


def _fields(row: bytes) -> list[bytes | None]:
    """A binary COPY row's fields (None: NULL)."""
    count, at, out = int.from_bytes(row[:2], "big"), 2, []
    for _ in range(count):
        size = int.from_bytes(row[at:at + 4], "big", signed=True)
        at += 4
        out.append(None if size < 0 else row[at:at + size])
        at += max(size, 0)
    assert at == len(row)
    return out


def test_the_importers_index_rows_are_the_households_own():
    batch = _prepared(seed=11)[:200]
    checks, rows = _index_rows(batch)
    index = {p.household_id: p.indexes() for p in batch}
    assert [tuple(_fields(r)) for r in rows.kks] == sorted((i.kk_hash, hid.bytes) for hid, i in index.items())
    assert [tuple(_fields(r)) for r in rows.niks] == sorted(
        (nh, hid.bytes, ref.encode(), b"\x01", c) for hid, i in index.items() for nh, ref, c in i.niks)
    assert [tuple(_fields(r)) for r in rows.names] == sorted(
        (m, nh, hid.bytes, ref.encode()) for hid, i in index.items() for m, nh, ref in i.names)
    assert [tuple(_fields(r)) for r in rows.keys] == [
        (p.household_id.bytes, p.wrapped_dek, CTX.keyring.key_id.encode()) for p in batch]
    assert rows.persons == sum(len(p.refs) for p in batch)
    assert [q for p in batch for _, q in p.local().civil] == list(checks.civil)
    assert checks.nik_hashes == [h for i in index.values() for h, _, _ in i.niks]
    assert checks.match_hashes == [m for i in index.values() for m, _, _ in i.names]


def test_a_read_row_in_copy_form_holds_the_rows_values():
    p = _prepared(seed=13)[0]
    row = p.row
    fields = _fields(p.row_copy + timestamps(CLOCK.now()))
    assert fields[0] == row[0].bytes
    assert int.from_bytes(fields[1], "big") == row[1]
    assert [f.decode() for f in fields[2:7]] == list(row[2:7])
    assert fields[7] == b"\x01" + row[7].encode()
    assert fields[8] == b"\x01" + row[8].encode()
    assert fields[9] == row[9].encode()
    assert fields[10:13] == [None, None, None]
    assert fields[13] == b"active"
    micros = int.from_bytes(fields[14], "big", signed=True)
    assert datetime(2000, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros) == CLOCK.now()
    assert fields[15] == fields[14]
    flagged = household_row_copy((*row[:9], None, 3, -2, "pmt-v1", "erased"))
    assert _fields(flagged + timestamps(CLOCK.now()))[9:14] == [None, b"\x00\x03", b"\xff\xfe", b"pmt-v1", b"erased"]


@pytest.mark.parametrize("rates", [(0.002, 0.01, 0.0), (0.05, 0.1, 0.2), (0.0, 0.0, 0.0), (0.3, 0.3, 0.4),
                                   (1.0, 0.0, 0.0)])
async def test_the_simulator_answers_a_batch_as_it_answers_each_person(rates):
    queries = [q for p in _prepared(seed=17) for _, q in p.local().civil]
    simulator = DukcapilSimulator(seed="batch", death_rate=rates[0], mismatch_rate=rates[1], not_found_rate=rates[2])
    answers = await simulator.check(queries)
    assert answers == [simulator.answer(q) for q in queries]
    flagged = sum(a.status != "match" for a in answers)
    assert flagged == pytest.approx(sum(rates) * len(queries), abs=0.06 * len(queries))


@pytest.mark.parametrize("refs", [["p-0123456789abcdef", "p-fedcba9876543210"], ["p-1", "p-22"], ["p-é", "p-e"]])
def test_a_households_index_rows_are_each_members_own(refs):
    hid = uuid4().bytes
    niks = [(bytes([i]) * 16, ref, bytes([i + 50]) * 16) for i, ref in enumerate(refs)]
    names = [(bytes([i + 100]) * 16, bytes([i + 150]) * 16, ref) for i, ref in enumerate(refs)]
    person, name = index_rows(niks, names, hid)
    assert person == [person_row(n, hid, ref, c) for n, ref, c in niks]
    assert name == [name_row(m, n, hid, ref) for m, n, ref in names]
    assert [_fields(r) for r in person] == [[n, hid, ref.encode(), b"\x01", c] for n, ref, c in niks]
    assert [person_fields(r) for r in person] == niks
    assert [name_fields(r) for r in name] == names
