"""The bulk import's writes: each batch's keys, read rows and indexes by COPY, its rejects and resume point.

The rows go in PostgreSQL's binary COPY format, each encoded where its household is prepared (a worker process of
the import): the importing process only puts a batch's rows in order and hands them over, where encoding them
value by value (asyncpg's `copy_records_to_table`) was a sixth of its time. Each row is a field count, then per
field its length (-1: NULL) and its bytes in the type's binary form (uuid: 16 bytes, int: big-endian, text: UTF-8,
jsonb: version 1 then the JSON text, timestamptz: microseconds since 2000-01-01 UTC).
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from gotong.adapters.sql import Sql
from registry.adapters.households import HOUSEHOLD_COLUMNS

_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length
_TRAILER = b"\xff\xff"
_NULL = b"\xff\xff\xff\xff"
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_HASH_UUID = struct.Struct("!hi16si16s")  # field count, then a 16-byte hash and a uuid
_TWO_HASHES_UUID = struct.Struct("!hi16si16si16s")
_TRUE_FIELD = b"\x00\x00\x00\x01\x01"
_16 = b"\x00\x00\x00\x10"

KEY_COLUMNS = ["household_id", "wrapped_dek", "key_id"]
KK_COLUMNS = ["kk_hash", "household_id"]
PERSON_COLUMNS = ["nik_hash", "household_id", "member_ref", "active", "name_check"]
NAME_COLUMNS = ["match_hash", "name_hash", "household_id", "member_ref"]
HOUSEHOLD_COPY_COLUMNS = [*HOUSEHOLD_COLUMNS, "registered_at", "updated_at"]
#: Where a `person_index` or `name_index` row's first hash (`nik_hash`, `match_hash`) lies.
FIRST_HASH = slice(6, 22)


def _text(value: str) -> bytes:
    data = value.encode()
    return len(data).to_bytes(4, "big") + data


def key_row(household_id: UUID, wrapped_dek: bytes, key_id: str) -> bytes:
    """A `household_keys` row."""
    return (b"\x00\x03" + _16 + household_id.bytes + len(wrapped_dek).to_bytes(4, "big") + wrapped_dek
            + _text(key_id))


def kk_row(kk_hash: bytes, household_id: UUID) -> bytes:
    """A `kk_index` row."""
    return _HASH_UUID.pack(2, 16, kk_hash, 16, household_id.bytes)


@functools.cache
def _row_struct(shape: str, ref_size: int) -> struct.Struct:
    """The layout of a `person_index` or `name_index` row whose member reference is `ref_size` bytes long."""
    if shape == "person":
        return struct.Struct(f"!hi16si16si{ref_size}si?i16s")
    return struct.Struct(f"!hi16si16si16si{ref_size}s")


def person_row(nik_hash: bytes, household_id: bytes, member_ref: str, name_check: bytes) -> bytes:
    """A `person_index` row (an active member); `household_id` as its 16 bytes."""
    ref = member_ref.encode()
    return _row_struct("person", len(ref)).pack(5, 16, nik_hash, 16, household_id, len(ref), ref, 1, True, 16,
                                                name_check)


def name_row(match_hash: bytes, name_hash: bytes, household_id: bytes, member_ref: str) -> bytes:
    """A `name_index` row; `household_id` as its 16 bytes."""
    ref = member_ref.encode()
    return _row_struct("name", len(ref)).pack(4, 16, match_hash, 16, name_hash, 16, household_id, len(ref), ref)


def index_rows(niks: Sequence[tuple[bytes, str, bytes]], names: Sequence[tuple[bytes, bytes, str]],
               household_id: bytes) -> tuple[list[bytes], list[bytes]]:
    """A household's `person_row`s and `name_row`s (`Indexes.niks`, `Indexes.names`), in one go: its members'
    references have one length, so each table's layout is looked up once."""
    if not niks or len({len(ref) for _, ref, _ in niks}) != 1 or any(not ref.isascii() for _, ref, _ in niks):
        return ([person_row(n, household_id, ref, c) for n, ref, c in niks],
                [name_row(m, n, household_id, ref) for m, n, ref in names])
    size = len(niks[0][1])
    person, name = _row_struct("person", size).pack, _row_struct("name", size).pack
    return ([person(5, 16, n, 16, household_id, size, ref.encode(), 1, True, 16, c) for n, ref, c in niks],
            [name(4, 16, m, 16, n, 16, household_id, size, ref.encode()) for m, n, ref in names])


def person_fields(row: bytes) -> tuple[bytes, str, bytes]:
    """(nik hash, member ref, name check) of a `person_row`."""
    size = int.from_bytes(row[42:46], "big")
    return row[6:22], row[46:46 + size].decode(), row[-16:]


def name_fields(row: bytes) -> tuple[bytes, bytes, str]:
    """(match hash, name hash, member ref) of a `name_row`."""
    return row[6:22], row[26:42], row[66:].decode()


def household_row_copy(row: Sequence[Any]) -> bytes:
    """A `households` row (`household_row`'s values) without its last two fields, `registered_at` and
    `updated_at`, which the batch adds (`timestamps`)."""
    (household_id, version, village, district, regency, province, verification, members, attributes, pii, desil,
     desil_province, rule_version, status) = row
    parts = [b"\x00\x10\x00\x00\x00\x10", household_id.bytes, b"\x00\x00\x00\x04",
             version.to_bytes(4, "big", signed=True)]
    for value in (village, district, regency, province, verification):
        data = value.encode()
        parts += (len(data).to_bytes(4, "big"), data)
    for value in (members, attributes):
        data = value.encode()
        parts += ((len(data) + 1).to_bytes(4, "big"), b"\x01", data)
    parts.append(_NULL if pii is None else _text(pii))
    parts += (_int2(desil), _int2(desil_province), _NULL if rule_version is None else _text(rule_version),
              _text(status))
    return b"".join(parts)


def household_row_of_copy(data: bytes) -> tuple[Any, ...]:
    """`household_row`'s values back from a `household_row_copy`."""
    fields: list[bytes | None] = []
    at = 2
    while at < len(data):
        size = int.from_bytes(data[at:at + 4], "big", signed=True)
        at += 4
        fields.append(None if size < 0 else data[at:at + size])
        at += max(size, 0)
    household_id, version, *texts = fields

    def text(value: bytes | None) -> str | None:
        return None if value is None else value.decode()

    def int2(value: bytes | None) -> int | None:
        return None if value is None else int.from_bytes(value, "big", signed=True)

    assert household_id is not None
    assert version is not None
    village, district, regency, province, verification, members, attributes, pii, desil, desil_province, \
        rule_version, status = texts
    assert members is not None
    assert attributes is not None
    return (UUID(bytes=household_id), int.from_bytes(version, "big", signed=True), text(village), text(district),
            text(regency), text(province), text(verification), members[1:].decode(), attributes[1:].decode(),
            text(pii), int2(desil), int2(desil_province), text(rule_version), text(status))


def _int2(value: int | None) -> bytes:
    return _NULL if value is None else b"\x00\x00\x00\x02" + value.to_bytes(2, "big", signed=True)


def timestamps(at: datetime) -> bytes:
    """The fields `registered_at` and `updated_at`, both `at`."""
    delta = at - _EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    field = b"\x00\x00\x00\x08" + micros.to_bytes(8, "big", signed=True)
    return field + field


def copy_data(rows: Sequence[bytes], suffix: bytes = b"") -> memoryview:
    """Binary COPY data of `rows`, each followed by `suffix` (fields the whole batch shares); as a memoryview,
    which asyncpg sends as it is (bytes it would take for a file's path)."""
    if suffix and rows:
        return memoryview(b"".join((_HEADER, suffix.join(rows), suffix, _TRAILER)))
    return memoryview(b"".join((_HEADER, *rows, _TRAILER)))


@dataclass(frozen=True)
class ImportRun:
    next_line: int
    done: bool


class ImportTables:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def start(self, sha: str, file_name: str) -> ImportRun:
        await self.sql.execute("INSERT INTO import_runs (file_sha256, file_name) VALUES ($1, $2) "
                               "ON CONFLICT DO NOTHING", sha, file_name)
        run = await self.sql.fetchrow("SELECT next_line, done FROM import_runs WHERE file_sha256 = $1", sha)
        assert run is not None
        return ImportRun(run["next_line"], run["done"])

    async def write_households(self, *, keys: Sequence[bytes], rows: Sequence[bytes], at: datetime,
                               kks: Sequence[bytes], niks: Sequence[bytes], names: Sequence[bytes]) -> None:
        """New households' keys (`key_row`), read rows (`household_row_copy`), registered and updated `at`, and
        blind indexes (`kk_row`, `person_row`, `name_row`), each table's rows in the order given."""
        copy = self.sql.driver.copy_to_table
        await copy("household_keys", source=copy_data(keys), columns=KEY_COLUMNS, format="binary")
        await copy("households", source=copy_data(rows, timestamps(at)), columns=HOUSEHOLD_COPY_COLUMNS,
                   format="binary")
        await copy("kk_index", source=copy_data(kks), columns=KK_COLUMNS, format="binary")
        await copy("person_index", source=copy_data(niks), columns=PERSON_COLUMNS, format="binary")
        await copy("name_index", source=copy_data(names), columns=NAME_COLUMNS, format="binary")

    async def progress(self, sha: str, *, next_line: int, imported: int,
                       rejects: Sequence[tuple[int, str | None, str]]) -> None:
        if rejects:
            await self.sql.executemany("INSERT INTO import_rejects VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                                       [(sha, line, field, reason) for line, field, reason in rejects])
        await self.sql.execute("UPDATE import_runs SET next_line = $2, imported = imported + $3, "
                               "rejected = rejected + $4 WHERE file_sha256 = $1",
                               sha, next_line, imported, len(rejects))

    async def finish(self, sha: str) -> None:
        await self.sql.execute("UPDATE import_runs SET done = true, finished_at = now() WHERE file_sha256 = $1", sha)

    async def rejects(self, sha: str) -> list[tuple[int, str | None, str]]:
        rows = await self.sql.fetch("SELECT line, field, reason FROM import_rejects WHERE file_sha256 = $1 "
                                    "ORDER BY line", sha)
        return [(r["line"], r["field"], r["reason"]) for r in rows]
