"""`dci_subscriptions` (a client, an event type, a sealed filter) and the notifier's place in the event store
(`dci_checkpoints`), with the lock that lets one registry process notify at a time."""

from __future__ import annotations

from typing import Any

import asyncpg
import orjson

from gotong.adapters.sql import Sql, jsonb
from gotong.messaging.follower import TableCheckpoint

NOTIFIER_LOCK = 0x6463_6E6F  # "dcno"


def _subscription(row: asyncpg.Record) -> dict[str, Any]:
    out = dict(row)
    if "scopes" in out:
        out["scopes"] = jsonb(row["scopes"])
    if out.get("frequency") is not None:
        out["frequency"] = jsonb(row["frequency"])
    return out


class DciSubscriptions:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def sealed_filters(self, sender_id: str, reg_event_type: str, filter_type: str) -> list[str]:
        """The sealed filters of the sender's active subscriptions of this event and filter type."""
        rows = await self.sql.fetch("SELECT code, filter FROM dci_subscriptions WHERE sender_id = $1 AND status = "
                                    "'subscribe' AND reg_event_type = $2 AND filter_type = $3",
                                    sender_id, reg_event_type, filter_type)
        return [r["filter"] for r in rows]

    async def add(self, *, code: str, sender_id: str, client_id: str, reference_id: str, transaction_id: str,
                  reg_event_type: str, filter_type: str, sealed_filter: str, notify_record_type: str,
                  scopes: frozenset[str], purpose: str, frequency: dict[str, str], encrypted: bool = False) -> None:
        await self.sql.execute(
            "INSERT INTO dci_subscriptions (code, sender_id, client_id, reference_id, transaction_id, reg_event_type, "
            "filter_type, filter, notify_record_type, scopes, purpose, frequency, encrypted) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            code, sender_id, client_id, reference_id, transaction_id, reg_event_type, filter_type, sealed_filter,
            notify_record_type, orjson.dumps(sorted(scopes)).decode(), purpose, orjson.dumps(frequency).decode(),
            encrypted)

    async def of(self, sender_id: str, *, codes: list[str] | None = None,
                 transaction_id: str | None = None) -> list[dict[str, Any]]:
        rows = await self.sql.fetch(
            "SELECT * FROM dci_subscriptions WHERE sender_id = $1 AND ($2::text[] IS NULL OR code = ANY($2)) "
            "AND ($3::text IS NULL OR transaction_id = $3) ORDER BY created_at", sender_id, codes, transaction_id)
        return [_subscription(r) for r in rows]

    async def lock(self, sender_id: str, codes: list[str]) -> dict[str, str]:
        """The status of each of the sender's subscriptions among `codes`, locked until the transaction ends."""
        rows = await self.sql.fetch("SELECT code, status FROM dci_subscriptions WHERE sender_id = $1 AND "
                                    "code = ANY($2) FOR UPDATE", sender_id, codes)
        return {r["code"]: r["status"] for r in rows}

    async def end(self, codes: list[str]) -> None:
        await self.sql.execute("UPDATE dci_subscriptions SET status = 'unsubscribe', ended_at = now() "
                               "WHERE code = ANY($1) AND status = 'subscribe'", codes)

    async def active(self) -> list[dict[str, Any]]:
        rows = await self.sql.fetch("SELECT * FROM dci_subscriptions WHERE status = 'subscribe'")
        return [_subscription(r) for r in rows]

    async def any_active(self) -> bool:
        return bool(await self.sql.fetchval("SELECT count(*) FROM dci_subscriptions WHERE status = 'subscribe'"))

    async def lock_notifier(self) -> bool:
        """One notifier at a time across registry processes, until this transaction ends; False if taken."""
        return bool(await self.sql.fetchval("SELECT pg_try_advisory_xact_lock($1)", NOTIFIER_LOCK))


class NotifierCheckpoint(TableCheckpoint):
    """How far the notifier has turned the event store into notifies (moved in the transaction that queued them)."""

    def __init__(self, sql: Sql) -> None:
        super().__init__(sql, "dci_checkpoints", "notifier")
