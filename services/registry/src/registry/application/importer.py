"""Bulk import of households from CSV or JSON lines: validate every row, import the good ones in batches
(each batch one transaction: events, keys, read model, indexes, review queue and the resume point together),
report every bad row with its line number and reason, resume where a stopped run left off.

Formats (documented in the service README):
- JSON lines (`.jsonl`): one household per line, exactly the body of `POST /v1/households`.
- CSV (`.csv`): one member per row; consecutive rows with the same `kk` form a household, whose own columns
  (`village_code, address, phone, bank_account` and the attribute columns) are read from its first row.
  `assets` is a `;`-separated list.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError
from uuid6 import uuid7

from gotong.api.problem import field_path
from gotong.application.uow import UnitOfWorkFactory
from gotong.domain.errors import DomainError
from gotong.eventstore.model import AppendRequest, EventData, EventMetadata
from registry.adapters.households import IndexLookups, household_row
from registry.adapters.imports import ImportTables
from registry.adapters.reviews import ReviewQueue
from registry.application.commands import Deps
from registry.application.personal import Prepared, prepare
from registry.application.verification import CHECKS, Candidate, verify
from registry.domain.household import Household, validate_household
from registry.domain.model import HouseholdIn, MemberFact

ATTRIBUTE_COLUMNS = ["floor", "wall", "roof", "floor_area_m2", "water", "lighting", "cooking_fuel", "sanitation",
                     "assets", "livestock", "income_band", "expenditure_band"]
HOUSEHOLD_COLUMNS = ["kk", "village_code", "address", "phone", "bank_account"]
MEMBER_COLUMNS = ["nik", "name", "sex", "birth_date", "relation", "schooling", "occupation", "disability", "pregnant"]
CSV_COLUMNS = HOUSEHOLD_COLUMNS + ATTRIBUTE_COLUMNS + MEMBER_COLUMNS


@dataclass
class Row:
    line: int                      # first line of the household in the file
    data: dict[str, Any] | None    # None: unparseable
    member_lines: list[int] = field(default_factory=list)
    error: str | None = None


@dataclass
class Reject:
    line: int
    field: str | None
    reason: str


@dataclass
class ImportReport:
    file: str
    imported: int = 0
    persons: int = 0
    rejected: int = 0
    flagged: int = 0
    resumed_from_line: int = 1
    already_done: bool = False
    rejects: list[Reject] = field(default_factory=list)


def write_jsonl(rows: Iterator[dict[str, Any]], path: Path) -> int:
    n = 0
    with path.open("wb") as f:
        for row in rows:
            f.write(orjson.dumps(row) + b"\n")
            n += 1
    return n


def write_csv(rows: Iterator[dict[str, Any]], path: Path) -> int:
    n = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(CSV_COLUMNS)
        for row in rows:
            attrs = row["attributes"]
            head = [row.get(c) or "" for c in HOUSEHOLD_COLUMNS] + [
                ";".join(attrs[c]) if c == "assets" else attrs[c] for c in ATTRIBUTE_COLUMNS]
            for m in row["members"]:
                out.writerow(head + [str(m.get(c, "")).lower() if c == "pregnant" else m.get(c, "")
                                     for c in MEMBER_COLUMNS])
            n += 1
    return n


def _jsonl_rows(f: io.BufferedReader, start: int) -> Iterator[Row]:
    for line_no, raw in enumerate(f, start=1):
        if line_no < start or not raw.strip():
            continue
        try:
            yield Row(line_no, orjson.loads(raw))
        except orjson.JSONDecodeError:
            yield Row(line_no, None, error="not valid JSON")


def _csv_rows(f: io.BufferedReader, start: int) -> Iterator[Row]:
    text = io.TextIOWrapper(f, encoding="utf-8", newline="")
    reader = csv.reader(text)
    header = next(reader, None)
    if header is None:
        return
    missing = [c for c in ("kk", "village_code", "nik", "name") if c not in header]
    if missing:
        yield Row(1, None, error=f"CSV header lacks columns {missing}")
        return
    index = {c: i for i, c in enumerate(header)}
    current: Row | None = None
    for values in reader:
        line_no = reader.line_num
        if line_no < start:
            continue
        get = {c: (values[i] if i < len(values) else "") for c, i in index.items()}
        member: dict[str, Any] = {c: get[c] for c in MEMBER_COLUMNS if get.get(c, "") != ""}
        if "pregnant" in member:
            member["pregnant"] = member["pregnant"].strip().lower() in ("true", "1", "ya", "y")
        if current is not None and current.data is not None and current.data["kk"] == get["kk"]:
            current.data["members"].append(member)
            current.member_lines.append(line_no)
            continue
        if current is not None:
            yield current
        attrs: dict[str, Any] = {c: get[c] for c in ATTRIBUTE_COLUMNS if get.get(c, "") != ""}
        if "assets" in attrs:
            attrs["assets"] = [a for a in attrs["assets"].split(";") if a]
        data = {c: get[c] for c in HOUSEHOLD_COLUMNS if get.get(c, "") != ""}
        data["kk"] = get["kk"]
        current = Row(line_no, {**data, "attributes": attrs, "members": [member]}, [line_no])
    if current is not None:
        yield current


def _reject(row: Row, err: Exception) -> Reject:
    if isinstance(err, ValidationError):
        first = err.errors()[0]
        loc = first.get("loc", ())
        return Reject(_line_of(row, loc), field_path(loc), str(first.get("msg", "invalid")))
    if isinstance(err, DomainError):
        return Reject(_line_of(row, tuple((err.field or "").split("."))), err.field, err.detail)
    return Reject(row.line, None, str(err))


def _line_of(row: Row, loc: tuple[Any, ...]) -> int:
    """The file line of a member's error in CSV (one member per line), else the household's first line."""
    if len(loc) >= 2 and loc[0] == "members" and row.member_lines:
        try:
            return row.member_lines[int(loc[1])]
        except (ValueError, IndexError):
            pass
    return row.line


def _member_dict(f: MemberFact) -> dict[str, Any]:
    return {"member_ref": f.member_ref, "relation": f.relation, "sex": f.sex, "birth_month": f.birth_month,
            "schooling": f.schooling, "occupation": f.occupation, "disability": f.disability, "pregnant": f.pregnant,
            "alive": f.alive, "died_on": f.died_on.isoformat() if f.died_on else None,
            "left_on": f.left_on.isoformat() if f.left_on else None}


async def _write_batch(units: UnitOfWorkFactory, deps: Deps, sha: str,
                       batch: list[tuple[Row, HouseholdIn, Prepared]], rejects: list[Reject], next_line: int,
                       meta: EventMetadata, report: ImportReport) -> None:
    """One batch, one transaction: the same events as `register_household` (built here, appended with the
    store's batch call) and the same read rows, indexes and reviews its projectors write (by COPY)."""
    async with units.begin(meta) as uow:
        now = uow.clock.now()
        outcomes = await verify(uow.adapter(IndexLookups), [
            Candidate(p.household_id, p.index, p.personal, {f.member_ref: f for f in p.facts}) for _, _, p in batch],
            deps.civil, uow.clock.today())
        review_ids = iter(await uow.adapter(ReviewQueue).next_ids(
            sum(1 for o in outcomes.values() if o.reasons)))
        requests: list[AppendRequest] = []
        households: list[tuple[Any, ...]] = []
        keys: list[tuple[Any, ...]] = []
        kks: list[tuple[Any, ...]] = []
        niks: list[tuple[Any, ...]] = []
        names: list[tuple[Any, ...]] = []
        reviews: list[tuple[int, Any, list[dict[str, str]], Any]] = []
        for _, data, p in batch:
            h = Household.register(p.household_id, p.village_code, p.facts, data.attributes, p.pii, "import",
                                   clock=uow.clock)
            outcome = outcomes[p.household_id]
            review_id = next(review_ids) if h.opens_review(outcome.reasons) else None
            reasons = h.checked(outcome.reasons, outcome.deaths, CHECKS, review_id=review_id)
            if review_id is not None:
                reviews.append((review_id, h.id, reasons, now))
            h.stamp_state("registered")
            requests.append(AppendRequest(h.id, Household.stream_type, 0, [
                EventData(e.event_type, e.to_data(), e.schema_version, uuid7(), now, meta) for e in h.pending_events]))
            households.append(household_row(h))
            keys.append((h.id, p.wrapped_dek, deps.keyring.key_id))
            kks.append((p.index.kk_hash, h.id))
            niks.extend((nh, h.id, ref, True, check) for nh, ref, check in p.index.niks)
            names.extend((mh, nh, h.id, ref) for mh, nh, ref in p.index.names)
            report.persons += len(p.facts)
        await uow.append_batch(requests)
        tables = uow.adapter(ImportTables)
        await tables.write_households(keys=keys, rows=households, at=now, kks=kks, niks=niks, names=names)
        if reviews:
            await uow.adapter(ReviewQueue).copy_opened(reviews)
        await tables.progress(sha, next_line=next_line, imported=len(batch),
                              rejects=[(r.line, r.field, r.reason) for r in rejects])
    report.imported += len(batch)
    report.flagged += len(reviews)
    report.rejected += len(rejects)
    report.rejects.extend(rejects)


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


async def import_file(units: UnitOfWorkFactory, deps: Deps, path: Path, *, batch_size: int = 1000,
                      meta: EventMetadata | None = None,
                      progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Import `path`; safe to run again on the same file (it resumes, and a finished file imports nothing)."""
    meta = meta or EventMetadata(actor="import")
    sha = file_digest(path)
    report = ImportReport(str(path))
    async with units.begin(meta) as uow:
        run = await uow.adapter(ImportTables).start(sha, path.name)
    report.resumed_from_line = run.next_line
    if run.done:
        report.already_done = True
        return report
    size = path.stat().st_size  # noqa: ASYNC240 - a CLI import reads its file as it goes
    today = units.clock.today()
    writing: asyncio.Task[None] | None = None
    try:
        with path.open("rb") as f:
            rows = _csv_rows(f, run.next_line) if path.suffix.lower() == ".csv" else _jsonl_rows(f, run.next_line)
            batch: list[tuple[Row, HouseholdIn, Prepared]] = []
            rejects: list[Reject] = []
            for count, row in enumerate(rows):
                if writing is not None and count % 64 == 0:
                    await asyncio.sleep(0)  # let the previous batch's write go on while this one is prepared
                if row.data is None:
                    rejects.append(Reject(row.line, None, row.error or "unreadable"))
                else:
                    try:
                        data = HouseholdIn.model_validate(row.data)
                        validate_household(data, regions=deps.regions, today=today)
                        if any(m.birth_date > today for m in data.members):
                            raise ValueError("a birth date is in the future")
                        batch.append((row, data, prepare(deps.keyring, data, uuid7())))
                    except (ValidationError, DomainError, ValueError) as err:
                        rejects.append(_reject(row, err))
                if len(batch) >= batch_size:
                    last = batch[-1][0]
                    if writing is not None:
                        await writing  # batches commit in file order: the resume point only moves forward
                    writing = asyncio.create_task(_write_batch(
                        units, deps, sha, batch, rejects,
                        (last.member_lines[-1] if last.member_lines else last.line) + 1, meta, report))
                    batch, rejects = [], []
                    if progress:
                        progress(f.tell(), size)
            if writing is not None:
                await writing
            await _write_batch(units, deps, sha, batch, rejects, 1 << 30, meta, report)
    finally:
        if writing is not None and not writing.done():
            writing.cancel()  # a failure here must not leave a batch committing behind the caller's back
            with contextlib.suppress(asyncio.CancelledError):
                await writing
    async with units.begin(meta) as uow:
        await uow.adapter(ImportTables).finish(sha)
    if progress:
        progress(size, size)
    return report


async def rejects_of(units: UnitOfWorkFactory, sha: str) -> list[Reject]:
    async with units.begin() as uow:
        rows = await uow.adapter(ImportTables).rejects(sha)
    return [Reject(line, field, reason) for line, field, reason in rows]


