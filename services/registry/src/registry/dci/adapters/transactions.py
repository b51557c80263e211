"""`dci_transactions`: what each accepted message asked and how it ended (statuses and counts, no records), and
the queue of async searches (`status = 'rcvd'`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg
import orjson

from gotong.adapters.sql import Sql, jsonb


def _transaction(row: asyncpg.Record) -> dict[str, Any]:
    out = dict(row)
    out["scopes"] = jsonb(row["scopes"])
    out["summary"] = jsonb(row["summary"])
    return out


class DciTransactions:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def add(self, *, correlation_id: str, sender_id: str, client_id: str, transaction_id: str, action: str,
                  status: str, request: str | None, scopes: frozenset[str], callback_url: str | None,
                  summary: Any, encrypted: bool = False) -> None:
        await self.sql.execute(
            "INSERT INTO dci_transactions (correlation_id, sender_id, client_id, transaction_id, action, status, "
            "request, scopes, callback_url, summary, encrypted) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            correlation_id, sender_id, client_id, transaction_id, action, status, request,
            orjson.dumps(sorted(scopes)).decode(), callback_url, orjson.dumps(summary).decode(), encrypted)

    async def latest(self, sender_id: str, action: str, attribute: str, values: list[str]) -> dict[str, Any] | None:
        """The sender's latest transaction of `action` by transaction_id, correlation_id or reference_id_list."""
        if attribute == "transaction_id":
            where, arg = "transaction_id = ANY($3)", values
        elif attribute == "correlation_id":
            where, arg = "correlation_id = ANY($3)", values
        else:  # reference_id_list: any transaction whose answer holds one of these references
            where, arg = ("EXISTS (SELECT 1 FROM jsonb_array_elements(CASE jsonb_typeof(summary) WHEN 'array' THEN "
                          "summary ELSE '[]'::jsonb END) s WHERE s->>'reference_id' = ANY($3))"), values
        row = await self.sql.fetchrow(
            f"SELECT * FROM dci_transactions WHERE sender_id = $1 AND action = $2 AND {where} "
            "ORDER BY created_at DESC LIMIT 1", sender_id, action, arg)
        return _transaction(row) if row is not None else None

    async def claim_searches(self, limit: int) -> list[dict[str, Any]]:
        """Queued async searches, oldest first, locked for this transaction (others skip them)."""
        rows = await self.sql.fetch("SELECT * FROM dci_transactions WHERE status = 'rcvd' AND action = 'search' "
                                    "ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED", limit)
        return [_transaction(r) for r in rows]

    async def reject(self, correlation_id: str) -> None:
        await self.sql.execute("UPDATE dci_transactions SET status = 'rjct', request = NULL, updated_at = now() "
                               "WHERE correlation_id = $1", correlation_id)

    async def answered(self, correlation_id: str, status: str, summary: Any) -> None:
        """The search was answered: its status and summary stay, the sealed request goes."""
        await self.sql.execute("UPDATE dci_transactions SET status = $2, summary = $3, request = NULL, "
                               "updated_at = now() WHERE correlation_id = $1", correlation_id, status,
                               orjson.dumps(summary).decode())

    async def forget(self, finished_before: datetime) -> None:
        await self.sql.execute("DELETE FROM dci_transactions WHERE status IN ('succ', 'rjct') AND updated_at < $1",
                               finished_before)
