"""The registry's read side in PostgreSQL: the households read table and its blind indexes (a projection of the
Household aggregate), the household keys, and the read queries behind the API.

Every class here is built on one open transaction (`Sql`, or any connection with the same calls) and holds
all the SQL; application code calls their methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol
from uuid import UUID

import orjson

from gotong.adapters.sql import Sql, jsonb
from gotong.eventstore.postgres import PostgresEventStoreTx
from registry.domain.household import Household
from registry.domain.identity import region_parts


class Queryable(Protocol):
    """What the adapters need of a transaction: `gotong.adapters.sql.Sql`, or an asyncpg connection."""

    async def fetch(self, query: str, *args: Any) -> Any: ...

    async def fetchrow(self, query: str, *args: Any) -> Any: ...

    async def fetchval(self, query: str, *args: Any) -> Any: ...

    async def execute(self, query: str, *args: Any) -> Any: ...

    async def executemany(self, query: str, args: Any) -> Any: ...


HOUSEHOLD_COLUMNS = ("household_id", "version", "village_code", "district_code", "regency_code", "province_code",
                     "verification", "members", "attributes", "pii", "desil", "desil_province", "rule_version",
                     "status")

# The ranking's columns: a run writes `score`, `desil_province` and `rule_version` of every household it ranks
# (an event only where the desil moved), so the row takes them from the newest run that ranked the household
# (the aggregate's own values before any run); `score` exists only there. A rebuild thus writes what the runs wrote.
UPSERT = """
WITH newest_run AS (
    SELECT s.score, s.desil_province, r.rule_version FROM ranking_runs r
    JOIN desil_snapshots s ON s.snapshot = r.snapshot AND s.household_id = $1
    ORDER BY r.computed_at DESC LIMIT 1)
INSERT INTO households (household_id, version, village_code, district_code, regency_code, province_code,
                        verification, members, attributes, pii, desil, desil_province, rule_version, status, score)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, coalesce((SELECT desil_province FROM newest_run), $12),
        coalesce((SELECT rule_version FROM newest_run), $13), $14, (SELECT score FROM newest_run))
ON CONFLICT (household_id) DO UPDATE SET version = EXCLUDED.version, village_code = EXCLUDED.village_code,
  district_code = EXCLUDED.district_code, regency_code = EXCLUDED.regency_code,
  province_code = EXCLUDED.province_code, verification = EXCLUDED.verification, members = EXCLUDED.members,
  attributes = EXCLUDED.attributes, pii = EXCLUDED.pii, desil = EXCLUDED.desil,
  desil_province = EXCLUDED.desil_province, rule_version = EXCLUDED.rule_version, status = EXCLUDED.status,
  score = EXCLUDED.score, updated_at = now()
"""


def household_row(h: Household, *, members: list[dict[str, Any]] | None = None,
                  attributes: dict[str, Any] | None = None) -> tuple[Any, ...]:
    """The household's read row (columns `HOUSEHOLD_COLUMNS`): its state after its last event. `members` and
    `attributes`: the JSON forms of `h.members` and `h.attributes` when the caller has them already."""
    province, regency, district = region_parts(h.village_code)
    status = "erased" if h.erased else "merged" if h.merged_into else "active"
    if members is None:
        members = [m.model_dump(mode="json") for m in h.members.values()]
    return (h.id, h.version, h.village_code, district, regency, province, h.verification,
            orjson.dumps(members).decode(),
            h.attributes.model_dump_json() if attributes is None else orjson.dumps(attributes).decode(),
            h.pii or None, h.desil, h.desil_province, h.rule_version, status)


class HouseholdIndexRows(Protocol):
    kk_hash: bytes
    niks: list[tuple[bytes, str, bytes]]
    names: list[tuple[bytes, bytes, str]]


# A household's blind index rows, replaced in two round trips (one statement each; deleting and inserting the same
# unique key in one statement is not safe).
DELETE_INDEXES = """
WITH kk AS (DELETE FROM kk_index WHERE household_id = $1), person AS (DELETE FROM person_index WHERE household_id = $1)
DELETE FROM name_index WHERE household_id = $1
"""
INSERT_INDEXES = """
WITH kk AS (INSERT INTO kk_index (kk_hash, household_id) VALUES ($2, $1)),
person AS (INSERT INTO person_index (nik_hash, household_id, member_ref, name_check)
           SELECT n, $1, r, c FROM unnest($3::bytea[], $4::text[], $5::bytea[]) AS t(n, r, c))
INSERT INTO name_index (match_hash, name_hash, household_id, member_ref)
SELECT m, nh, $1, r FROM unnest($6::bytea[], $7::bytea[], $8::text[]) AS t(m, nh, r)
"""


@dataclass(frozen=True)
class Written:
    """What writing a household's row found: a new row (no index rows to replace), and its wrapped data key."""

    inserted: bool
    wrapped_dek: bytes | None


class HouseholdTable:
    """The `households` read row and the `kk_index`, `person_index`, `name_index` rows of one household."""

    def __init__(self, sql: Queryable) -> None:
        self.sql = sql

    async def write(self, h: Household) -> Written:
        row = await self.sql.fetchrow(
            UPSERT + " RETURNING (xmax = 0) AS inserted, "
                     "(SELECT wrapped_dek FROM household_keys k WHERE k.household_id = $1) AS wrapped_dek",
            *household_row(h))
        return Written(bool(row["inserted"]), row["wrapped_dek"])

    async def write_indexes(self, household_id: UUID, index: HouseholdIndexRows | None, *,
                            fresh: bool = False) -> None:
        """Replace the household's index rows (`fresh`: it has none yet) with `index` (None: no rows)."""
        if not fresh:
            await self.sql.execute(DELETE_INDEXES, household_id)
        if index is None:
            return
        await self.sql.execute(INSERT_INDEXES, household_id, index.kk_hash,
                               [n for n, _, _ in index.niks], [r for _, r, _ in index.niks],
                               [c for _, _, c in index.niks], [m for m, _, _ in index.names],
                               [n for _, n, _ in index.names], [r for _, _, r in index.names])


class HouseholdKeys:
    """Each household's wrapped data key; deleting the row crypto-shreds the household."""

    def __init__(self, sql: Queryable) -> None:
        self.sql = sql

    async def add(self, household_id: UUID, wrapped_dek: bytes, key_id: str) -> None:
        await self.sql.execute("INSERT INTO household_keys VALUES ($1, $2, $3)", household_id, wrapped_dek, key_id)

    async def wrapped(self, household_id: UUID) -> bytes | None:
        found: bytes | None = await self.sql.fetchval(
            "SELECT wrapped_dek FROM household_keys WHERE household_id = $1", household_id)
        return found

    async def destroy(self, household_id: UUID) -> None:
        await self.sql.execute("DELETE FROM household_keys WHERE household_id = $1", household_id)


class IndexLookups:
    """The blind indexes as the automatic checks ask them (duplicates across the register)."""

    def __init__(self, sql: Queryable) -> None:
        self.sql = sql

    async def nik_owners(self, nik_hashes: Sequence[bytes]) -> list[tuple[bytes, UUID]]:
        rows = await self.sql.fetch(
            "SELECT nik_hash, household_id FROM person_index WHERE active AND nik_hash = ANY($1::bytea[])",
            list(nik_hashes))
        return [(r["nik_hash"], r["household_id"]) for r in rows]

    async def kk_owners(self, kk_hashes: Sequence[bytes]) -> list[tuple[bytes, UUID]]:
        rows = await self.sql.fetch("SELECT kk_hash, household_id FROM kk_index WHERE kk_hash = ANY($1::bytea[])",
                                    list(kk_hashes))
        return [(r["kk_hash"], r["household_id"]) for r in rows]

    async def name_match_owners(self, match_hashes: Sequence[bytes],
                                besides: Sequence[UUID]) -> list[tuple[bytes, UUID]]:
        rows = await self.sql.fetch(
            "SELECT match_hash, household_id FROM name_index WHERE match_hash = ANY($1::bytea[]) "
            "AND NOT household_id = ANY($2::uuid[])", list(match_hashes), list(besides))
        return [(r["match_hash"], r["household_id"]) for r in rows]


def household_view(row: Any) -> dict[str, Any]:
    return {"household_ref": str(row["household_id"]), "version": row["version"],
            "village_code": row["village_code"], "district_code": row["district_code"],
            "regency_code": row["regency_code"], "province_code": row["province_code"],
            "verification": row["verification"], "status": row["status"],
            "members": jsonb(row["members"]), "attributes": jsonb(row["attributes"]),
            "desil": row["desil"], "desil_province": row["desil_province"], "rule_version": row["rule_version"],
            "score": row["score"]}


class HouseholdReads:
    """The read queries of the ops API and DCI: households, personal rows, history, access log, desil as of."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def household(self, household_id: UUID) -> dict[str, Any] | None:
        row = await self.sql.fetchrow("SELECT * FROM households WHERE household_id = $1", household_id)
        return None if row is None else household_view(row)

    async def households(self, *, village: str | None, verification: str | None, desil: int | None, limit: int,
                         offset: int) -> tuple[int, list[dict[str, Any]]]:
        where: list[str] = ["TRUE"]
        args: list[Any] = []
        if village:
            args.append(village + "%")
            where.append(f"village_code LIKE ${len(args)}")
        if verification:
            args.append(verification)
            where.append(f"verification = ${len(args)}")
        if desil:
            args.append(desil)
            where.append(f"desil = ${len(args)}")
        sql_where = " AND ".join(where)
        total = await self.sql.fetchval(f"SELECT count(*) FROM households WHERE {sql_where}", *args)
        rows = await self.sql.fetch(f"SELECT * FROM households WHERE {sql_where} ORDER BY household_id "
                                    f"LIMIT {int(limit)} OFFSET {int(offset)}", *args)
        return int(total), [household_view(r) for r in rows]

    async def sealed(self, household_id: UUID) -> tuple[bool, str | None]:
        """(in the register?, the sealed personal data or None once erased)."""
        row = await self.sql.fetchrow("SELECT pii FROM households WHERE household_id = $1", household_id)
        return (False, None) if row is None else (True, row["pii"])

    async def log_access(self, household_id: UUID, *, actor: str, client_id: str | None, purpose: str,
                         channel: str) -> None:
        await self.sql.execute("INSERT INTO pii_access_log (actor, client_id, household_id, purpose, channel) "
                               "VALUES ($1, $2, $3, $4, $5)", actor, client_id, household_id, purpose, channel)

    async def events_of(self, household_id: UUID, event_types: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """The household's stored events (version, type, schema version, data, when, who), in order, read
        through the event store in this transaction (none when the id is another stream's, e.g. a ranking run)."""
        recorded = await PostgresEventStoreTx.on(self.sql).load(household_id)
        return [{"version": e.version, "event_type": e.event_type, "schema_version": e.schema_version,
                 "data": dict(e.data), "occurred_at": e.occurred_at, "actor": e.metadata.actor}
                for e in recorded if e.stream_type == Household.stream_type
                and (event_types is None or e.event_type in event_types)]

    async def by_nik(self, nik_hash: bytes) -> list[tuple[UUID, str]]:
        rows = await self.sql.fetch("SELECT household_id, member_ref FROM person_index WHERE nik_hash = $1 AND active",
                                    nik_hash)
        return [(r["household_id"], r["member_ref"]) for r in rows]

    async def by_kk(self, kk_hash: bytes) -> list[UUID]:
        rows = await self.sql.fetch("SELECT household_id FROM kk_index WHERE kk_hash = $1", kk_hash)
        return [r["household_id"] for r in rows]

    async def by_name(self, name_hash: bytes) -> list[tuple[UUID, str]]:
        rows = await self.sql.fetch("SELECT household_id, member_ref FROM name_index WHERE name_hash = $1", name_hash)
        return [(r["household_id"], r["member_ref"]) for r in rows]

    async def access_log(self, *, household_id: UUID | None, actor: str | None, limit: int,
                         offset: int) -> tuple[int, list[dict[str, Any]]]:
        where: list[str] = ["TRUE"]
        args: list[Any] = []
        if household_id:
            args.append(household_id)
            where.append(f"household_id = ${len(args)}")
        if actor:
            args.append(actor)
            where.append(f"actor = ${len(args)}")
        sql_where = " AND ".join(where)
        total = await self.sql.fetchval(f"SELECT count(*) FROM pii_access_log WHERE {sql_where}", *args)
        rows = await self.sql.fetch(f"SELECT * FROM pii_access_log WHERE {sql_where} ORDER BY id DESC "
                                    f"LIMIT {int(limit)} OFFSET {int(offset)}", *args)
        return int(total), [
            {"at": r["at"].isoformat(), "actor": r["actor"], "client_id": r["client_id"],
             "household_ref": str(r["household_id"]), "purpose": r["purpose"], "channel": r["channel"]}
            for r in rows]

    async def desil_as_of(self, household_id: UUID, on: date) -> dict[str, Any] | None:
        row = await self.sql.fetchrow(
            "SELECT r.snapshot, r.rule_version, r.effective_from, s.desil, s.desil_province, s.score "
            "FROM ranking_runs r LEFT JOIN desil_snapshots s ON s.snapshot = r.snapshot AND s.household_id = $1 "
            "WHERE r.effective_from <= $2 ORDER BY r.effective_from DESC, r.computed_at DESC LIMIT 1",
            household_id, on)
        return None if row is None else dict(row)
