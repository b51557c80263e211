"""`dci_outbox`: callbacks to ministries, queued in the transaction that decided them and delivered by the
worker with retries. Bodies are sealed, and dropped once delivered or given up."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gotong.adapters.sql import Sql


class CallbackOutbox:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def add(self, client_id: str, action: str, url: str, sealed_body: str, correlation_id: str | None) -> None:
        await self.sql.execute(
            "INSERT INTO dci_outbox (client_id, action, url, body, correlation_id) VALUES ($1, $2, $3, $4, $5)",
            client_id, action, url, sealed_body, correlation_id)

    async def claim(self, limit: int, lease_until: datetime) -> list[dict[str, Any]]:
        """Due callbacks, leased until `lease_until` (other workers skip them meanwhile)."""
        rows = await self.sql.fetch(
            "UPDATE dci_outbox SET next_attempt_at = $2 WHERE id IN (SELECT id FROM dci_outbox WHERE status = "
            "'pending' AND next_attempt_at <= now() ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED) RETURNING *",
            limit, lease_until)
        return [dict(r) for r in rows]

    async def delivered(self, id: int, attempts: int) -> None:
        await self.sql.execute("UPDATE dci_outbox SET status = 'delivered', body = NULL, attempts = $2, "
                               "delivered_at = now(), last_error = NULL WHERE id = $1", id, attempts)

    async def attempted(self, id: int, *, given_up: bool, attempts: int, error: str, next_attempt_at: datetime) -> None:
        """A failed attempt: retried at `next_attempt_at`, or given up (and its body dropped)."""
        await self.sql.execute(
            "UPDATE dci_outbox SET status = $2, body = CASE WHEN $2 = 'failed' THEN NULL ELSE body END, "
            "attempts = $3, last_error = $4, next_attempt_at = $5 WHERE id = $1", id,
            "failed" if given_up else "pending", attempts, error, next_attempt_at)

    async def forget(self, created_before: datetime) -> None:
        """Drop the record of callbacks sent or given up before (never one still to be sent)."""
        await self.sql.execute("DELETE FROM dci_outbox WHERE status <> 'pending' AND created_at < $1", created_before)
