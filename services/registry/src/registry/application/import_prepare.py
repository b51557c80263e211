"""The bulk import's per-row work before any database: each household validated, sealed and indexed, in a pool of
processes sized by the machine's cores (or in this process), the results in file order.

The work per household is the same as `register_household`'s before its checks: `HouseholdIn` validation,
`validate_household`, `prepare`. A bad row becomes a `Reject` naming its line and field.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import os
import re
from collections import deque
from collections.abc import AsyncGenerator, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple, cast, get_args
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
from registry.adapters.imports import (
    household_row_copy,
    household_row_of_copy,
    index_rows,
    key_row,
    kk_row,
    name_fields,
    person_fields,
)
from registry.application.personal import Indexes, Personal, member_indexes, prepare
from registry.application.verification import CHECKS, Local, local_checks
from registry.domain.household import (
    HEAD_MIN_AGE,
    Household,
    HouseholdRegistered,
    HouseholdVerified,
    validate_household,
)
from registry.domain.identity import Regions, Sex, check_kk, check_nik, check_village, region_parts
from registry.domain.model import Attributes, HouseholdIn, MemberFact, MemberIn, age_band, age_on


@dataclass
class Row:
    line: int                      # first line of the household in the file
    data: dict[str, Any] | bytes | None  # bytes: a JSON line, parsed where it is prepared; None: unparseable
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
Encoded = tuple[str, int, dict[str, bytes | str]]  # event type, schema version, data with each value as JSON


def encode(payload: Payload) -> Encoded:
    """An event's data with each top-level value encoded as JSON where it is made (a worker process): bytes
    travel back to the importing process without pickling every nested dict, and go into the event store's
    JSON as they are (`orjson.Fragment`)."""
    event_type, version, data = payload
    return event_type, version, {k: orjson.dumps(v) for k, v in data.items()}


def fragments(data: dict[str, bytes | str]) -> dict[str, orjson.Fragment]:
    """`encode`'s data as the event store writes it (the same JSON as the payload it came from)."""
    return {k: orjson.Fragment(v) for k, v in data.items()}


class Prepped(NamedTuple):
    """A good household, sealed and indexed, with its events and read row as they are when every check passes
    (most households): the batch that finds otherwise builds them again through the aggregate. Plain values,
    JSON and its tables' rows in binary COPY form only, so that it comes back from a worker process cheaply and
    the importing process has little left to do with it."""

    last_line: int                  # the household's last line in the file
    household_id: UUID
    wrapped_dek: bytes
    village_code: str
    kk_hash: bytes
    refs: list[str]                 # the indexed members (all of them: nobody has left a new household)
    person_rows: list[bytes]        # per indexed member, its `person_index` row (`person_row`)
    name_rows: list[bytes]          # per indexed member, its `name_index` row (`name_row`)
    reasons: list[dict[str, str]]   # the household's own (`Local`)
    civil: list[tuple[str, str, str, int, str]]  # whom to ask Dukcapil: ref, NIK, name, birth date ordinal, sex
    events: list[Encoded]           # if every check passes (the registration's holds the sealed data)
    row_copy: bytes                 # its read row if every check passes, as a `households` row (`household_row_copy`)
    key_row: bytes                  # its `household_keys` row
    kk_row: bytes                   # its `kk_index` row

    @property
    def members(self) -> list[dict[str, Any]]:
        """The facts, as JSON (the registration's: nobody has died or left a new household)."""
        members: list[dict[str, Any]] = orjson.loads(self.events[0][2]["members"])
        return members

    @property
    def attributes(self) -> dict[str, Any]:
        attributes: dict[str, Any] = orjson.loads(self.events[0][2]["attributes"])
        return attributes

    @property
    def pii(self) -> str:
        """The sealed personal data (the registration's)."""
        pii: str = orjson.loads(self.events[0][2]["pii"])
        return pii

    @property
    def row(self) -> tuple[Any, ...]:
        """The read row if every check passes, as `household_row` gives it."""
        return household_row_of_copy(self.row_copy)

    def payloads(self) -> list[Payload]:
        """The events as `registration` gives them (decoded)."""
        return [(t, v, {k: orjson.loads(b) for k, b in data.items()}) for t, v, data in self.events]

    def indexes(self) -> Indexes:
        return Indexes(self.kk_hash, [person_fields(r) for r in self.person_rows],
                       [name_fields(r) for r in self.name_rows])

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
    """The household prepared, or why it is refused: by `fast_row` when it can tell, else through the models and
    the aggregate (which also name a bad row's field)."""
    if row.data is None:
        return Reject(row.line, None, row.error or "unreadable")
    if type(row.data) is bytes:  # parsed here rather than in the reading process, which would then pickle it
        try:
            row = Row(row.line, orjson.loads(row.data), row.member_lines)
        except orjson.JSONDecodeError:
            return Reject(row.line, None, "not valid JSON")
    fast = fast_row(ctx, row)
    return fast if fast is not None else full_row(ctx, row)


def full_row(ctx: PrepareContext, row: Row) -> Prepped | Reject:
    """`register_household`'s own steps: `HouseholdIn`, `validate_household`, `prepare`, the aggregate."""
    assert row.data is not None
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
    return _prepped(ctx, row.last_line, p.household_id, p.wrapped_dek, p.village_code, p.index, local.reasons,
                    [(ref, q.nik, q.name, q.birth_date.toordinal(), q.sex) for ref, q in local.civil],
                    [encode(e) for e in events], household)


def _prepped(ctx: PrepareContext, last_line: int, household_id: UUID, wrapped_dek: bytes, village_code: str,
             index: Indexes, reasons: list[dict[str, str]], civil: list[tuple[str, str, str, int, str]],
             events: list[Encoded], row: tuple[Any, ...]) -> Prepped:
    """The household with its tables' rows encoded here, not in the importing process."""
    person_rows, name_rows = index_rows(index.niks, index.names, household_id.bytes)
    return Prepped(last_line, household_id, wrapped_dek, village_code, index.kk_hash,
                   [ref for _, ref, _ in index.niks], person_rows, name_rows, reasons, civil, events,
                   household_row_copy(row), key_row(household_id, wrapped_dek, ctx.keyring.key_id),
                   kk_row(index.kk_hash, household_id))


# --- the fast path ---------------------------------------------------------------------------------------------
# Per person, pydantic models, the aggregate and its events cost most of a worker's time, although almost every
# row of a file is well formed and every household in it new. `fast_row` takes a row whose values are all of the
# exact JSON types and forms the models accept (anything else, a wrong value included, goes the full way, which
# names the field), runs the same domain checks, and writes out what the aggregate would record. The unit tests
# hold both paths to the same values, events, read row, indexes and sealed data.

_HOUSEHOLD_KEYS = frozenset(HouseholdIn.model_fields)
_MEMBER_KEYS = frozenset(MemberIn.model_fields)
_ATTRIBUTE_KEYS = tuple(Attributes.model_fields)
_DEFAULT_ATTRIBUTES: dict[str, Any] = Attributes().model_dump(mode="json")
_RELATIONS = frozenset(get_args(MemberIn.model_fields["relation"].annotation))
_SCHOOLING = frozenset(get_args(MemberIn.model_fields["schooling"].annotation))
_DISABILITY = frozenset(get_args(MemberIn.model_fields["disability"].annotation))
_SEXES = frozenset(get_args(MemberIn.model_fields["sex"].annotation))
_CHOICES: dict[str, frozenset[str]] = {
    name: frozenset(get_args(f.annotation)) for name, f in Attributes.model_fields.items()
    if name not in ("assets", "floor_area_m2", "livestock", "income_band", "expenditure_band")}
_ASSETS = frozenset(get_args(get_args(Attributes.model_fields["assets"].annotation)[0]))
#: The numbers' bounds (inclusive unless said), as `Attributes` declares them.
_INTS = {"livestock": (0, 10_000), "income_band": (1, 5), "expenditure_band": (1, 5)}
_AREA_MAX = 2000  # floor_area_m2: over 0, at most this
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_PHONE = re.compile(r"\+?[0-9]{8,15}")
_ACCOUNT = re.compile(r"[0-9]{6,20}")
_INT_TEXT = re.compile(r"0|[1-9][0-9]{0,5}")                # a CSV's number: plain digits, no sign or spaces
_FLOAT_TEXT = re.compile(r"(0|[1-9][0-9]{0,5})(\.[0-9]{1,6})?")


class FastMember(NamedTuple):
    nik: str
    name: str
    sex: Sex
    birth_date: date
    birth_iso: str
    relation: str
    schooling: str
    occupation: str
    disability: str
    pregnant: bool


class FastHousehold(NamedTuple):
    """A row as `HouseholdIn` gives it, with the attributes in their JSON form."""

    kk: str
    village_code: str
    address: str
    phone: str | None
    bank_account: str | None
    members: list[FastMember]
    attributes: dict[str, Any]


def _int(value: Any) -> int | None:
    if type(value) is int:
        return value
    if type(value) is str and _INT_TEXT.fullmatch(value):
        return int(value)
    return None


def _float(value: Any) -> float | None:
    if type(value) is int or type(value) is float:
        return float(value)
    if type(value) is str and _FLOAT_TEXT.fullmatch(value):
        return float(value)
    return None


def _fast_attributes(given: Any) -> dict[str, Any] | None:
    if type(given) is not dict or not given.keys() <= _DEFAULT_ATTRIBUTES.keys():
        return None
    out: dict[str, Any] = {}
    for name in _ATTRIBUTE_KEYS:
        if name not in given:
            out[name] = list(_DEFAULT_ATTRIBUTES[name]) if name == "assets" else _DEFAULT_ATTRIBUTES[name]
            continue
        value = given[name]
        if name in _CHOICES:
            if type(value) is not str or value not in _CHOICES[name]:
                return None
            out[name] = value
        elif name == "assets":
            if type(value) is not list or not all(type(a) is str and a in _ASSETS for a in value):
                return None
            out[name] = list(value)
        elif name == "floor_area_m2":
            area = _float(value)
            if area is None or not math.isfinite(area) or not 0 < area <= _AREA_MAX:
                return None
            out[name] = area
        else:
            number = _int(value)
            low, high = _INTS[name]
            if number is None or not low <= number <= high:
                return None
            out[name] = number
    return out


def _fast_member(m: Any) -> FastMember | None:
    if type(m) is not dict or not m.keys() <= _MEMBER_KEYS:
        return None
    nik, name, sex, born, relation = m.get("nik"), m.get("name"), m.get("sex"), m.get("birth_date"), m.get("relation")
    schooling, occupation = m.get("schooling", "none"), m.get("occupation", "tidak_bekerja")
    disability, pregnant = m.get("disability", "none"), m.get("pregnant", False)
    if (type(nik) is not str or type(name) is not str or not 2 <= len(name) <= 120 or type(sex) is not str
            or sex not in _SEXES or type(born) is not str or not _ISO_DATE.fullmatch(born)
            or type(relation) is not str or relation not in _RELATIONS
            or type(schooling) is not str or schooling not in _SCHOOLING
            or type(occupation) is not str or len(occupation) > 60
            or type(disability) is not str or disability not in _DISABILITY or type(pregnant) is not bool):
        return None
    try:
        birth_date = date.fromisoformat(born)
    except ValueError:
        return None
    return FastMember(nik, name, cast("Sex", sex), birth_date, born, relation, schooling, occupation, disability,
                      pregnant)


def fast_household(data: Any) -> FastHousehold | None:
    """The row as `HouseholdIn.model_validate` gives it, when every value is plainly of its type and within its
    bounds; None when the models are to decide (they may convert the value, or name what is wrong with it)."""
    if type(data) is not dict or not data.keys() <= _HOUSEHOLD_KEYS:
        return None
    kk, village, address = data.get("kk"), data.get("village_code"), data.get("address")
    phone, account, members = data.get("phone"), data.get("bank_account"), data.get("members")
    if (type(kk) is not str or type(village) is not str or type(address) is not str
            or not 3 <= len(address) <= 300
            or not (phone is None or (type(phone) is str and _PHONE.fullmatch(phone)))
            or not (account is None or (type(account) is str and _ACCOUNT.fullmatch(account)))
            or type(members) is not list or not 1 <= len(members) <= 40):
        return None
    attributes = _fast_attributes(data.get("attributes", {}))
    if attributes is None:
        return None
    facts: list[FastMember] = []
    for m in members:
        fact = _fast_member(m)
        if fact is None:
            return None
        facts.append(fact)
    return FastHousehold(kk, village, address, phone, account, facts, attributes)


def _passes_domain_checks(h: FastHousehold, regions: Regions, today: date) -> bool:
    """`validate_household`'s rules (its errors are the full path's to name)."""
    try:
        check_kk(h.kk, regions=regions)
        check_village(h.village_code, regions=regions)
        for m in h.members:
            check_nik(m.nik, birth_date=m.birth_date, sex=m.sex, regions=regions)
    except DomainError:
        return False
    return (sum(1 for m in h.members if m.relation == "kepala") == 1
            and len({m.nik for m in h.members}) == len(h.members)
            and not any(m.pregnant and m.sex != "F" for m in h.members)
            and not any(m.birth_date > today for m in h.members))


def fast_row(ctx: PrepareContext, row: Row) -> Prepped | None:
    """`full_row`'s result for a row of plain values that passes every check; None: `full_row` decides."""
    h = fast_household(row.data)
    if h is None or not _passes_domain_checks(h, ctx.regions, ctx.today):
        return None
    household_id = uuid7()
    dek, wrapped = ctx.keyring.new_data_key()
    tokens = os.urandom(8 * len(h.members)).hex()  # `new_member_ref`'s 8 random bytes per member
    refs = ["p-" + tokens[i * 16:i * 16 + 16] for i in range(len(h.members))]
    personal = Personal(h.kk, h.address, h.phone, h.bank_account, {
        ref: {"nik": m.nik, "name": m.name, "birth_date": m.birth_iso, "sex": m.sex}
        for ref, m in zip(refs, h.members, strict=True)})
    pii = personal.seal(dek, household_id)
    index = member_indexes(ctx.keyring, h.kk, h.village_code, personal.members.items())
    today = ctx.today
    facts: list[dict[str, Any]] = [
        {"member_ref": ref, "relation": m.relation, "sex": m.sex, "birth_month": m.birth_iso[:7],
         "schooling": m.schooling, "occupation": m.occupation, "disability": m.disability, "pregnant": m.pregnant,
         "alive": True, "died_on": None, "left_on": None} for ref, m in zip(refs, h.members, strict=True)]
    ages = [age_on(f["birth_month"], today) for f in facts]
    reasons: list[dict[str, str]] = [{"code": "head_too_young", "member_ref": f["member_ref"]}
                                     for f, age in zip(facts, ages, strict=True)
                                     if f["relation"] == "kepala" and age < HEAD_MIN_AGE]
    province, regency, district = region_parts(h.village_code)
    state = {"household_ref": str(household_id), "household_version": 2, "change": "registered",
             "village_code": h.village_code, "district_code": district, "regency_code": regency,
             "province_code": province, "verification": "verified", "desil": None, "desil_rule_version": None,
             "members": [{"member_ref": f["member_ref"], "age_band": age_band(age), "birth_month": f["birth_month"],
                          "school_level": f["schooling"], "pregnant": f["pregnant"],
                          "severe_disability": f["disability"] == "severe", "alive": True, "died_on": None,
                          "left_on": None} for f, age in zip(facts, ages, strict=True)]}
    # One str each, in the registration's data and in the read row alike: pickled once on the way back from the
    # worker (a household came back as 5.7 KB, which the importing process spent more time unpickling than on
    # anything else it does per person)
    members_json, attributes_json = orjson.dumps(facts).decode(), orjson.dumps(h.attributes).decode()
    events: list[Encoded] = [
        ("HouseholdRegistered", HouseholdRegistered.schema_version, {
            "state": b"null", "village_code": orjson.dumps(h.village_code), "members": members_json,
            "attributes": attributes_json, "pii": orjson.dumps(pii), "source": b'"import"'}),
        ("HouseholdVerified", HouseholdVerified.schema_version, {
            "state": orjson.dumps(state), "checks": _CHECKS_JSON, "by": b'"automatic"'})]
    household = (household_id, 2, h.village_code, district, regency, province, "verified", members_json,
                 attributes_json, pii, None, None, None, "active")
    return _prepped(ctx, row.last_line, household_id, wrapped, h.village_code, index, reasons,
                    [(ref, m.nik, m.name, m.birth_date.toordinal(), m.sex)
                     for ref, m in zip(refs, h.members, strict=True)], events, household)


_CHECKS_JSON = orjson.dumps(CHECKS)

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
