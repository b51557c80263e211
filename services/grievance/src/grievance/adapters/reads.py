"""Read-side queries on the `cases` and `follow_ups` tables (no personal data is stored in either)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from gotong.adapters.sql import Sql

_COLUMNS = ("id, tracking_number, kind, category, channel, region_code, status, officer, subject_ref, anonymous, "
            "evidence, proposed_outcome, proposed_by, outcome, reason_code, decided_by, appealed, follow_up, "
            "follow_up_result, erased, received_at, due_at, warned, breached, decided_at, closed_at, version")


def _row(record: Any) -> dict[str, Any]:
    out = dict(record)
    for k, v in out.items():
        if isinstance(v, datetime):
            out[k] = v.isoformat()
        elif isinstance(v, UUID):
            out[k] = str(v)
    return out


class CaseReads:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def by_tracking_number(self, tracking_number: str) -> dict[str, Any] | None:
        row = await self.sql.fetchrow(
            "SELECT kind, category, status, outcome, reason_code, appealed, follow_up_result, received_at, due_at, "
            "decided_at, closed_at "
            "FROM cases WHERE tracking_number = $1", tracking_number)
        return _row(row) if row is not None else None

    async def case_id_by_tracking_number(self, tracking_number: str) -> UUID | None:
        found: UUID | None = await self.sql.fetchval("SELECT id FROM cases WHERE tracking_number = $1",
                                                     tracking_number)
        return found

    async def get(self, case_id: UUID) -> dict[str, Any] | None:
        row = await self.sql.fetchrow(f"SELECT {_COLUMNS} FROM cases WHERE id = $1", case_id)
        return _row(row) if row is not None else None

    async def search(self, *, region: str | None, status: str | None, kind: str | None, limit: int,
                   offset: int) -> list[dict[str, Any]]:
        rows = await self.sql.fetch(
            f"SELECT {_COLUMNS} FROM cases WHERE ($1::text IS NULL OR region_code = $1 OR region_code LIKE $1 || '.%')"
            " AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR kind = $3)"
            " ORDER BY received_at, id LIMIT $4 OFFSET $5", region, status, kind, limit, offset)
        return [_row(r) for r in rows]

    async def sla_due(self, now: datetime, limit: int) -> list[UUID]:
        """Open cases whose warning or breach is due and not raised yet."""
        rows = await self.sql.fetch(
            "SELECT id FROM cases WHERE status IN ('received', 'triaged', 'investigating') AND NOT breached"
            " AND warn_at <= $1 AND (NOT warned OR due_at <= $1) ORDER BY warn_at LIMIT $2", now, limit)
        return [r["id"] for r in rows]


class FollowUps:
    """The outbox of requests to the owning services."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def claim(self, now: datetime) -> dict[str, Any] | None:
        """One due request, locked until this transaction ends (other workers skip it)."""
        row = await self.sql.fetchrow(
            "SELECT case_id, decision_version, action, attempts FROM follow_ups WHERE next_attempt_at <= $1"
            " ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED", now)
        return dict(row) if row is not None else None

    async def retry_later(self, case_id: UUID, at: datetime, error: str) -> None:
        await self.sql.execute(
            "UPDATE follow_ups SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3 WHERE case_id = $1",
            case_id, at, error)

    async def pending(self) -> int:
        return int(await self.sql.fetchval("SELECT count(*) FROM follow_ups"))
