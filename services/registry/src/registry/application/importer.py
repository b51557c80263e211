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
import gc
import hashlib
import io
from collections import deque
from collections.abc import AsyncGenerator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson
from uuid6 import uuid7

from gotong.application.uow import UnitOfWorkFactory
from gotong.eventstore.model import AppendRequest, EventData, EventMetadata
from registry.adapters.civil_registry import CivilQuery
from registry.adapters.households import IndexLookups
from registry.adapters.imports import FIRST_HASH, ImportTables, household_row_copy
from registry.adapters.reviews import ReviewQueue
from registry.application.commands import Deps
from registry.application.import_prepare import (
    PrepareContext,
    Preparer,
    Prepped,
    Reject,
    Row,
    default_workers,
    fragments,
    registration,
    reject_of,
)
from registry.application.verification import CHECKS, Batch, check
from registry.domain.household import Household
from registry.domain.model import Attributes

__all__ = ["ImportReport", "Reject", "Row", "import_file", "reject_of", "rejects_of", "write_csv", "write_jsonl"]

ATTRIBUTE_COLUMNS = ["floor", "wall", "roof", "floor_area_m2", "water", "lighting", "cooking_fuel", "sanitation",
                     "assets", "livestock", "income_band", "expenditure_band"]
HOUSEHOLD_COLUMNS = ["kk", "village_code", "address", "phone", "bank_account"]
MEMBER_COLUMNS = ["nik", "name", "sex", "birth_date", "relation", "schooling", "occupation", "disability", "pregnant"]
CSV_COLUMNS = HOUSEHOLD_COLUMNS + ATTRIBUTE_COLUMNS + MEMBER_COLUMNS


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
    """Each household's line as it is (`prepare_row` parses it, in a worker process)."""
    for line_no, raw in enumerate(f, start=1):
        if line_no < start or not raw.strip():
            continue
        yield Row(line_no, raw)


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
        if current is not None and isinstance(current.data, dict) and current.data["kk"] == get["kk"]:
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


@dataclass
class Checked:
    """A batch after its checks: its events and its tables' rows (binary COPY rows, `registry.adapters.imports`),
    ready to write."""

    batch: list[Prepped]
    checks: Batch  # what was checked (a later batch checked while this one is written asks it)
    requests: list[AppendRequest] = field(default_factory=list)
    households: list[bytes] = field(default_factory=list)
    keys: list[bytes] = field(default_factory=list)
    kks: list[bytes] = field(default_factory=list)
    niks: list[bytes] = field(default_factory=list)
    names: list[bytes] = field(default_factory=list)
    reviews: list[tuple[int, Any, list[dict[str, str]], Any]] = field(default_factory=list)
    persons: int = 0
    at: datetime | None = None


_new_tuple = tuple.__new__


def _index_rows(batch: list[Prepped]) -> tuple[Batch, Checked]:
    """The batch's blind indexes, as the checks ask them and as their tables' rows: each table's in the order of
    its random key, the blind hash (a row's bytes sort by it: it comes first, after a prefix every row shares), so
    that the COPY's B-tree insertions walk the leaf pages in order rather than jump across them."""
    ids = [b.household_id for b in batch]
    refs = [ref for b in batch for ref in b.refs]
    of = [pos for pos, b in enumerate(batch) for _ in b.refs]
    niks = [r for b in batch for r in b.person_rows]
    names = [r for b in batch for r in b.name_rows]
    civil = [c for b in batch for c in b.civil]
    born = date.fromordinal
    checks = Batch(ids, [b.kk_hash for b in batch], nik_hashes=[r[FIRST_HASH] for r in niks], nik_refs=refs,
                   nik_of=of, match_hashes=[r[FIRST_HASH] for r in names], match_refs=refs, match_of=of,
                   reasons={pos: b.reasons for pos, b in enumerate(batch) if b.reasons},
                   # `tuple.__new__` is what `CivilQuery._make` calls, without a Python call per person
                   civil=[_new_tuple(CivilQuery, (nik, name, born(day), sex)) for _, nik, name, day, sex in civil],
                   civil_refs=[c[0] for c in civil], civil_of=[pos for pos, b in enumerate(batch) for _ in b.civil])
    niks.sort()
    names.sort()
    return checks, Checked(batch, checks, keys=[b.key_row for b in batch], kks=sorted(b.kk_row for b in batch),
                           niks=niks, names=names, persons=len(refs))


async def _check_batch(units: UnitOfWorkFactory, deps: Deps, batch: list[Prepped], meta: EventMetadata,
                       writing: Sequence[Batch]) -> Checked:
    """The same checks and events as `register_household`, for a batch. It runs while the previous batches are
    being written (`writing`: their households, counted as in the register whether or not they have committed)."""
    checks, out = _index_rows(batch)
    async with units.begin(meta) as uow:
        out.at = now = uow.clock.now()
        outcomes = await check(uow.adapter(IndexLookups), checks, deps.civil, writing=writing)
        review_ids = iter(await uow.adapter(ReviewQueue).next_ids(
            sum(1 for o in outcomes.values() if o.reasons)))
        for pos, b in enumerate(batch):
            hid = b.household_id
            outcome = outcomes.get(pos)
            events: Sequence[tuple[str, int, Mapping[str, Any]]]
            if outcome is not None:  # not what the worker assumed: through the aggregate again
                attributes = b.attributes
                h = Household.register(hid, b.village_code, b.facts(), Attributes.model_validate(attributes), b.pii,
                                       "import", clock=uow.clock)
                review_id = next(review_ids) if h.opens_review(outcome.reasons) else None
                reasons = h.checked(outcome.reasons, outcome.deaths, CHECKS, review_id=review_id)
                if review_id is not None:
                    out.reviews.append((review_id, hid, reasons, now))
                events, row = registration(h, attributes)
                out.households.append(household_row_copy(row))
            else:
                events = [(event_type, version, fragments(data)) for event_type, version, data in b.events]
                out.households.append(b.row_copy)
            out.requests.append(AppendRequest(hid, Household.stream_type, 0, [
                EventData(event_type, data, version, uuid7(), now, meta) for event_type, version, data in events]))
    return out


async def _write_batch(units: UnitOfWorkFactory, sha: str, checked: Checked, rejects: list[Reject], next_line: int,
                       meta: EventMetadata, report: ImportReport, after: asyncio.Task[None] | None = None) -> None:
    """One batch, one transaction: its events (the store's batch append), read rows, indexes, reviews (by COPY),
    rejects and the resume point, together. `after`: the previous batch's write, which may still be going on. Its
    own rows (events, keys, read rows, indexes: keys no other batch has) are written alongside it; whatever another
    batch also locks (the review counts' rows, the resume point) only once that one has committed — waiting for it
    while holding such a row would be a deadlock PostgreSQL cannot see — so batches commit in file order and the
    resume point only moves forward over batches that are all in."""
    assert checked.at is not None
    async with units.begin(meta) as uow:
        await uow.append_batch(checked.requests)
        tables = uow.adapter(ImportTables)
        await tables.write_households(keys=checked.keys, rows=checked.households, at=checked.at, kks=checked.kks,
                                      niks=checked.niks, names=checked.names)
        if after is not None:
            await after  # its failure rolls this batch back too
        if checked.reviews:
            await uow.adapter(ReviewQueue).copy_opened(checked.reviews)
        await tables.progress(sha, next_line=next_line, imported=len(checked.batch),
                              rejects=[(r.line, r.field, r.reason) for r in rejects])
    report.imported += len(checked.batch)
    report.persons += checked.persons
    report.flagged += len(checked.reviews)
    report.rejected += len(rejects)
    report.rejects.extend(rejects)


class _Pipeline:
    """Batches checked and written in file order: one batch checked while the `writers` before it are written,
    each in its own transaction, committing in file order (the resume point only moves forward)."""

    def __init__(self, units: UnitOfWorkFactory, deps: Deps, sha: str, meta: EventMetadata,
                 report: ImportReport, writers: int = 2) -> None:
        self.units, self.deps, self.sha, self.meta, self.report = units, deps, sha, meta, report
        self.writers = writers
        self.writing: deque[tuple[asyncio.Task[None], Checked]] = deque()
        self.checking: asyncio.Task[Checked] | None = None

    async def add(self, batch: list[Prepped], rejects: list[Reject], next_line: int) -> None:
        previous = [written.checks for _, written in self.writing]
        self.checking = asyncio.create_task(_check_batch(self.units, self.deps, batch, self.meta, previous))
        while len(self.writing) >= self.writers:
            await self.writing.popleft()[0]
        checked = await self.checking
        after = self.writing[-1][0] if self.writing else None
        self.writing.append((asyncio.create_task(_write_batch(self.units, self.sha, checked, rejects, next_line,
                                                              self.meta, self.report, after)), checked))

    async def finish(self) -> None:
        while self.writing:
            await self.writing.popleft()[0]

    async def settle(self) -> None:
        """After a failure: the batches handed to the database end (commit, or fail with it) before the caller
        goes on, so that none commits behind its back. They are not cancelled: a transaction cancelled half way
        can hand its connection back to the pool still inside it."""
        for task in [self.checking, *(task for task, _ in self.writing)]:
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):  # the caller has the first failure
                    await task


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """An import allocates millions of containers that live for a batch: with the default thresholds the cycle
    collector scans them all again and again (measured: two thirds of the main process's time per person). What
    exists before the import (modules, reference data) is frozen out of the scans, and collections run less often:
    one per million containers allocated (at 100,000 each collection still scanned the batches in flight, a quarter
    of the main process's CPU; what an import leaves to the collector is the odd cycle of asyncio's)."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(1_000_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


async def import_file(units: UnitOfWorkFactory, deps: Deps, path: Path, *, batch_size: int = 1000,
                      meta: EventMetadata | None = None, workers: int | None = None,
                      progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Import `path`; safe to run again on the same file (it resumes, and a finished file imports nothing).
    Rows are prepared in `workers` processes (default: one per core; 0: in this process) while the previous
    batch is written."""
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
    ctx = PrepareContext(deps.keyring, deps.regions, units.clock.today(), units.clock)
    pipeline = _Pipeline(units, deps, sha, meta, report)
    prepared: AsyncGenerator[list[Prepped | Reject]] | None = None
    try:
        with _fewer_collections(), path.open("rb") as f, \
                Preparer(ctx, workers=default_workers() if workers is None else workers, ahead=batch_size) as pool:
            rows = _csv_rows(f, run.next_line) if path.suffix.lower() == ".csv" else _jsonl_rows(f, run.next_line)
            batch: list[Prepped] = []
            rejects: list[Reject] = []
            prepared = pool.results(rows)
            async for results in prepared:
                for result in results:
                    if isinstance(result, Reject):
                        rejects.append(result)
                        continue
                    batch.append(result)
                    if len(batch) >= batch_size:
                        await pipeline.add(batch, rejects, batch[-1].last_line + 1)
                        batch, rejects = [], []
                        if progress:
                            progress(f.tell(), size)
            await pipeline.add(batch, rejects, 1 << 30)
            await pipeline.finish()
    finally:
        if prepared is not None:
            await prepared.aclose()
        await pipeline.settle()
    async with units.begin(meta) as uow:
        await uow.adapter(ImportTables).finish(sha)
    if progress:
        progress(size, size)
    return report


async def rejects_of(units: UnitOfWorkFactory, sha: str) -> list[Reject]:
    async with units.begin() as uow:
        rows = await uow.adapter(ImportTables).rejects(sha)
    return [Reject(line, field, reason) for line, field, reason in rows]


