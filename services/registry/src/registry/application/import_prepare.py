"""The bulk import's per-row work before any database: each household validated, sealed and indexed, in a pool of
processes sized by the machine's cores (or in this process), the results in file order.

The work per household is the same as `register_household`'s before its checks: `HouseholdIn` validation,
`validate_household`, `prepare`. A bad row becomes a `Reject` naming its line and field.
"""

from __future__ import annotations

import asyncio
import itertools
import os
from collections import deque
from collections.abc import AsyncGenerator, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple
from uuid import UUID

import orjson
from pydantic import ValidationError
from uuid6 import uuid7

from gotong.api.problem import field_path
from gotong.domain.clock import Clock
from gotong.domain.errors import DomainError
from gotong.domain.events import DomainEvent
from registry.adapters.civil_registry import CivilQuery
from registry.adapters.crypto import KeyRing
from registry.adapters.households import household_row
from registry.application.personal import Indexes, prepare
from registry.application.verification import CHECKS, Local, local_checks
from registry.domain.household import Household, HouseholdRegistered, validate_household
from registry.domain.identity import Regions
from registry.domain.model import HouseholdIn, MemberFact


@dataclass
class Row:
    line: int                      # first line of the household in the file
    data: dict[str, Any] | None    # None: unparseable
    member_lines: list[int] = field(default_factory=list)
    error: str | None = None

    @property
    def last_line(self) -> int:
        return self.member_lines[-1] if self.member_lines else self.line


@dataclass
class Reject:
    line: int
    field: str | None
    reason: str


Payload = tuple[str, int, dict[str, Any]]  # event type, schema version, data
Encoded = tuple[str, int, dict[str, bytes]]  # event type, schema version, data with each value as JSON


def encode(payload: Payload) -> Encoded:
    """An event's data with each top-level value encoded as JSON where it is made (a worker process): bytes
    travel back to the importing process without pickling every nested dict, and go into the event store's
    JSON as they are (`orjson.Fragment`)."""
    event_type, version, data = payload
    return event_type, version, {k: orjson.dumps(v) for k, v in data.items()}


def fragments(data: dict[str, bytes]) -> dict[str, orjson.Fragment]:
    """`encode`'s data as the event store writes it (the same JSON as the payload it came from)."""
    return {k: orjson.Fragment(v) for k, v in data.items()}


class Prepped(NamedTuple):
    """A good household, sealed and indexed, with its events and read row as they are when every check passes
    (most households): the batch that finds otherwise builds them again through the aggregate. Plain values
    and JSON only, so that it comes back from a worker process cheaply."""

    last_line: int                  # the household's last line in the file
    household_id: UUID
    wrapped_dek: bytes
    village_code: str
    pii: str
    kk_hash: bytes
    refs: list[str]                 # the indexed members (all of them: nobody has left a new household)
    niks: bytes                     # per indexed member: 16 bytes NIK hash, 16 bytes NIK+name check
    names: bytes                    # per indexed member: 16 bytes match hash, 16 bytes name hash
    reasons: list[dict[str, str]]   # the household's own (`Local`)
    civil: list[tuple[str, str, str, int, str]]  # whom to ask Dukcapil: ref, NIK, name, birth date ordinal, sex
    events: list[Encoded]           # if every check passes
    row: tuple[Any, ...]            # if every check passes: its members and attributes are the facts', as JSON

    @property
    def members(self) -> list[dict[str, Any]]:
        """The facts, as JSON (the read row's: nobody has died or left a new household)."""
        members: list[dict[str, Any]] = orjson.loads(self.row[7])
        return members

    @property
    def attributes(self) -> dict[str, Any]:
        attributes: dict[str, Any] = orjson.loads(self.row[8])
        return attributes

    def payloads(self) -> list[Payload]:
        """The events as `registration` gives them (decoded)."""
        return [(t, v, {k: orjson.loads(b) for k, b in data.items()}) for t, v, data in self.events]

    def indexes(self) -> Indexes:
        n, m = self.niks, self.names
        return Indexes(self.kk_hash, [(n[i * 32:i * 32 + 16], ref, n[i * 32 + 16:i * 32 + 32])
                                      for i, ref in enumerate(self.refs)],
                       [(m[i * 32:i * 32 + 16], m[i * 32 + 16:i * 32 + 32], ref) for i, ref in enumerate(self.refs)])

    def local(self) -> Local:
        return Local(self.reasons, [(ref, CivilQuery(nik, name, date.fromordinal(born), sex))
                                    for ref, nik, name, born, sex in self.civil])

    def facts(self) -> list[MemberFact]:
        return [MemberFact.model_validate(m) for m in self.members]


@dataclass(frozen=True)
class PrepareContext:
    keyring: KeyRing
    regions: Regions
    today: date
    clock: Clock


def member_dict(f: MemberFact) -> dict[str, Any]:
    """`MemberFact.model_dump(mode="json")`, written out: the bulk path's hottest serialization."""
    return {"member_ref": f.member_ref, "relation": f.relation, "sex": f.sex, "birth_month": f.birth_month,
            "schooling": f.schooling, "occupation": f.occupation, "disability": f.disability, "pregnant": f.pregnant,
            "alive": f.alive, "died_on": f.died_on.isoformat() if f.died_on else None,
            "left_on": f.left_on.isoformat() if f.left_on else None}


def _event_data(e: DomainEvent, attributes: dict[str, Any]) -> dict[str, Any]:
    """`e.to_data()`; a registration's written out from its parts (its members and attributes are most of the
    work), the others (verified, flagged, a death on record) by pydantic."""
    if type(e) is HouseholdRegistered:
        return {"state": e.state, "village_code": e.village_code, "members": [member_dict(m) for m in e.members],
                "attributes": attributes, "pii": e.pii, "source": e.source}
    return e.to_data()


def registration(h: Household, attributes: dict[str, Any]) -> tuple[list[Payload], tuple[Any, ...]]:
    """A newly registered and checked household's events (what `stamp_state("registered")` and `to_data()` give)
    and its read row (`household_row`)."""
    events = h.pending_events
    payloads = [(e.event_type, e.schema_version, _event_data(e, attributes)) for e in events]
    payloads[-1][2]["state"] = h.public_state("registered")
    died = any(e.event_type == "MemberDied" for e in events)
    members = [member_dict(m) for m in h.members.values()] if died else payloads[0][2]["members"]
    return payloads, household_row(h, members=members, attributes=attributes)


def _line_of(row: Row, loc: tuple[Any, ...]) -> int:
    """The file line of a member's error in CSV (one member per line), else the household's first line."""
    if len(loc) >= 2 and loc[0] == "members" and row.member_lines:
        try:
            return row.member_lines[int(loc[1])]
        except (ValueError, IndexError):
            pass
    return row.line


def reject_of(row: Row, err: Exception) -> Reject:
    if isinstance(err, ValidationError):
        first = err.errors()[0]
        loc = first.get("loc", ())
        return Reject(_line_of(row, loc), field_path(loc), str(first.get("msg", "invalid")))
    if isinstance(err, DomainError):
        return Reject(_line_of(row, tuple((err.field or "").split("."))), err.field, err.detail)
    return Reject(row.line, None, str(err))


def prepare_row(ctx: PrepareContext, row: Row) -> Prepped | Reject:
    if row.data is None:
        return Reject(row.line, None, row.error or "unreadable")
    try:
        data = HouseholdIn.model_validate(row.data)
        validate_household(data, regions=ctx.regions, today=ctx.today)
        if any(m.birth_date > ctx.today for m in data.members):
            raise ValueError("a birth date is in the future")
        p = prepare(ctx.keyring, data, uuid7())
    except (ValidationError, DomainError, ValueError) as err:
        return reject_of(row, err)
    facts = {f.member_ref: f for f in p.facts}
    local = local_checks(p.personal, facts, ctx.today)
    h = Household.register(p.household_id, p.village_code, p.facts, data.attributes, p.pii, "import",
                           clock=ctx.clock)
    h.checked([], [], CHECKS)  # as if every check passed; the batch builds it again when one did not
    attributes = data.attributes.model_dump(mode="json")
    events, household = registration(h, attributes)
    index = p.index
    return Prepped(row.last_line, p.household_id, p.wrapped_dek, p.village_code, p.pii,
                   index.kk_hash, [ref for _, ref, _ in index.niks],
                   b"".join(n + c for n, _, c in index.niks), b"".join(m + n for m, n, _ in index.names),
                   local.reasons, [(ref, q.nik, q.name, q.birth_date.toordinal(), q.sex) for ref, q in local.civil],
                   [encode(e) for e in events], household)


_worker_context: PrepareContext | None = None


def _start_worker(ctx: PrepareContext) -> None:
    global _worker_context
    _worker_context = ctx


def _prepare_chunk(rows: list[Row]) -> list[Prepped | Reject]:
    assert _worker_context is not None, "the pool's initializer sets the context"
    return [prepare_row(_worker_context, row) for row in rows]


def _chunks(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    it = iter(rows)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def default_workers() -> int:
    return os.cpu_count() or 1


class Preparer:
    """Prepares rows in `workers` processes (0: in this process), `chunk` households per task, at most two tasks
    per worker or `ahead` households in flight, whichever is more (memory stays bounded however big the file).
    `ahead` lets the workers go on while the consumer waits (the importer: a batch's size, so that the next batch
    is prepared while one is checked and the one before written)."""

    def __init__(self, ctx: PrepareContext, *, workers: int, chunk: int = 256, ahead: int = 0) -> None:
        self.ctx, self.workers, self.chunk = ctx, workers, chunk
        self.in_flight = max(2 * workers, -(-ahead // chunk))
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Preparer:
        if self.workers > 0:
            self._pool = ProcessPoolExecutor(self.workers, initializer=_start_worker, initargs=(self.ctx,))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    async def results(self, rows: Iterable[Row]) -> AsyncGenerator[list[Prepped | Reject]]:
        if self._pool is None:
            for chunk in _chunks(rows, 64):
                yield [prepare_row(self.ctx, row) for row in chunk]
                await asyncio.sleep(0)  # let the previous batch's write go on while this one is prepared
            return
        loop = asyncio.get_running_loop()
        pending: deque[asyncio.Future[list[Prepped | Reject]]] = deque()
        for chunk in _chunks(rows, self.chunk):
            pending.append(loop.run_in_executor(self._pool, _prepare_chunk, chunk))
            if len(pending) >= self.in_flight:
                yield await pending.popleft()
        while pending:
            yield await pending.popleft()
