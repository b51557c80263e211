"""The ranking run's bulk reads and writes: the active households' read rows, their ranking columns, the quarter's
desil snapshot and the run itself (COPY into a temporary table, one UPDATE each); and `ranking_proposals`, the
projection of the RankingRun events (proposed, approved, rejected) the ops API lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from gotong.adapters.sql import Sql, jsonb


@dataclass(frozen=True)
class Ranked:
    """An active household as the ranking reads it."""

    household_id: UUID
    version: int
    province_code: str
    regency_code: str
    attributes: dict[str, Any]
    members: list[dict[str, Any]]
    desil: int | None


class RankingTables:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def active_households(self) -> list[Ranked]:
        """Every active household, locked until the run commits."""
        rows = await self.sql.fetch("SELECT household_id, version, province_code, regency_code, attributes, "
                                    "members, desil FROM households WHERE status = 'active' FOR UPDATE")
        return [Ranked(r["household_id"], r["version"], r["province_code"], r["regency_code"],
                       jsonb(r["attributes"]), jsonb(r["members"]), r["desil"]) for r in rows]

    async def write_run(self, *, snapshot: str, rule_version: str, effective_from: date,
                        scores: Sequence[tuple[UUID, int, int, float]],
                        changed: Sequence[tuple[UUID, int, int]]) -> None:
        """`scores`: (household, desil, provincial desil, score) of every ranked household; `changed`:
        (household, new version, desil) of those whose desil moved (their `HouseholdRanked` was appended)."""
        await self.sql.execute("CREATE TEMP TABLE ranked (household_id uuid, version int, desil smallint, "
                               "desil_province smallint, score float8) ON COMMIT DROP")
        await self.sql.copy("ranked", [(hid, None, d, dp, s) for hid, d, dp, s in scores],
                            ["household_id", "version", "desil", "desil_province", "score"])
        await self.sql.execute("UPDATE households h SET score = r.score, desil_province = r.desil_province, "
                               "rule_version = $1 FROM ranked r WHERE h.household_id = r.household_id", rule_version)
        await self.sql.execute("DELETE FROM ranked")
        await self.sql.copy("ranked", list(changed), ["household_id", "version", "desil"])
        await self.sql.execute("UPDATE households h SET desil = r.desil, version = r.version, updated_at = now() "
                               "FROM ranked r WHERE h.household_id = r.household_id")
        await self.sql.execute("DROP TABLE ranked")
        await self.sql.execute("DELETE FROM desil_snapshots WHERE snapshot = $1", snapshot)
        await self.sql.copy("desil_snapshots", [(snapshot, hid, s, d, dp) for hid, d, dp, s in scores],
                            ["snapshot", "household_id", "score", "desil", "desil_province"])
        await self.sql.execute(
            "INSERT INTO ranking_runs (snapshot, rule_version, effective_from, households, changed) "
            "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (snapshot) DO UPDATE SET rule_version = EXCLUDED.rule_version, "
            "households = EXCLUDED.households, changed = EXCLUDED.changed, computed_at = now()",
            snapshot, rule_version, effective_from, len(scores), len(changed))


_RUN_COLUMNS = ("run_id, on_date, snapshot, rule_version, status, proposed_by, proposed_at, decided_by, decided_at, "
                "reason, households, changed")


class RankingProposals:
    """`ranking_proposals`: one row per ranking run, written by the RankingRun event projectors."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    # -- the projection ----------------------------------------------------------------------------------
    async def proposed(self, run_id: UUID, *, on: date, snapshot: str, rule_version: str, proposed_by: str,
                       at: datetime) -> None:
        await self.sql.execute(
            "INSERT INTO ranking_proposals (run_id, on_date, snapshot, rule_version, status, proposed_by, "
            "proposed_at) VALUES ($1, $2, $3, $4, 'proposed', $5, $6)",
            run_id, on, snapshot, rule_version, proposed_by, at)

    async def approved(self, run_id: UUID, *, by: str, households: int, changed: int, at: datetime) -> None:
        await self.sql.execute(
            "UPDATE ranking_proposals SET status = 'approved', decided_by = $2, decided_at = $3, households = $4, "
            "changed = $5 WHERE run_id = $1", run_id, by, at, households, changed)

    async def rejected(self, run_id: UUID, *, by: str, reason: str, at: datetime) -> None:
        await self.sql.execute(
            "UPDATE ranking_proposals SET status = 'rejected', decided_by = $2, decided_at = $3, reason = $4 "
            "WHERE run_id = $1", run_id, by, at, reason)

    # -- reads -------------------------------------------------------------------------------------------
    async def one(self, run_id: UUID) -> dict[str, Any] | None:
        row = await self.sql.fetchrow(f"SELECT {_RUN_COLUMNS} FROM ranking_proposals WHERE run_id = $1", run_id)
        return dict(row) if row is not None else None

    async def page(self, status: str | None, limit: int, offset: int) -> tuple[int, list[dict[str, Any]]]:
        """The runs (newest proposal first), of one status or all, and how many there are."""
        total = await self.sql.fetchval(
            "SELECT count(*) FROM ranking_proposals WHERE $1::text IS NULL OR status = $1", status)
        rows = await self.sql.fetch(
            f"SELECT {_RUN_COLUMNS} FROM ranking_proposals WHERE $1::text IS NULL OR status = $1 "
            "ORDER BY proposed_at DESC, run_id DESC LIMIT $2 OFFSET $3", status, limit, offset)
        return int(total), [dict(r) for r in rows]
