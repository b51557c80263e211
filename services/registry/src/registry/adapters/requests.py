"""Registration requests as their streams left them: the event store is the record (they are few, read by
officers), so a page of them is found by their streams' latest event, oldest request first."""

from __future__ import annotations

from uuid import UUID

from gotong.adapters.sql import Sql


class RequestReads:
    """Registration requests as their streams left them (the event store is the record; few, read by officers)."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def ids(self, status: str | None, limit: int, offset: int) -> tuple[int, list[UUID]]:
        """How many requests have `status` (any: None), and a page of their ids, oldest first."""
        rows = await self.sql.fetch(
            "WITH latest AS (SELECT DISTINCT ON (stream_id) stream_id, CASE event_type "
            "WHEN 'RegistrationCompleted' THEN 'completed' WHEN 'RegistrationDeclined' THEN 'declined' "
            "ELSE 'open' END AS status FROM events WHERE stream_type = 'registration_request' "
            "ORDER BY stream_id, version DESC), "
            "opened AS (SELECT stream_id, position FROM events "
            "WHERE stream_type = 'registration_request' AND version = 1), "
            "chosen AS (SELECT l.stream_id, o.position FROM latest l JOIN opened o USING (stream_id) "
            "WHERE $1::text IS NULL OR l.status = $1) "
            "SELECT (SELECT count(*) FROM chosen) AS total, "
            "(SELECT coalesce(array_agg(stream_id ORDER BY position), '{}') FROM "
            "(SELECT stream_id, position FROM chosen ORDER BY position LIMIT $2 OFFSET $3) p) AS ids",
            status, limit, offset)
        return int(rows[0]["total"]), list(rows[0]["ids"])
