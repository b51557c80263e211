"""The dashboard's read model in SQL: tracked items and paid payments per minute, and the counters read back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gotong.adapters.sql import Sql
from ops_console.domain.counters import Counters, ItemRow
from ops_console.domain.operations import CYCLE_ORDER, Change, Forget, Paid, Track

GONE = "gone"
_RANK = "CASE {col} " + " ".join(f"WHEN '{s}' THEN {n}" for s, n in CYCLE_ORDER.items()) + " ELSE 0 END"


class ReadModel:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def apply(self, change: Change) -> None:
        if isinstance(change, Paid):
            minute = change.at.replace(second=0, microsecond=0)
            await self.sql.execute(
                "INSERT INTO console_paid_minutes (minute, payments) VALUES ($1, 1) "
                "ON CONFLICT (minute) DO UPDATE SET payments = console_paid_minutes.payments + 1", minute)
        elif isinstance(change, Forget) and change.version:
            # a tombstone: an older version arriving later (another partition) must not bring the item back
            await self._track(Track(change.kind, change.item, GONE, datetime.now(UTC), version=change.version))
        elif isinstance(change, Forget):
            await self.sql.execute("DELETE FROM console_items WHERE kind = $1 AND item_id = $2",
                                   change.kind, change.item)
        else:
            await self._track(change)

    async def _track(self, t: Track) -> None:
        guard = "console_items.version <= EXCLUDED.version"
        if t.forward_only:
            guard += (f" AND {_RANK.format(col='console_items.state')} < "
                      f"{_RANK.format(col='EXCLUDED.state')}")
        await self.sql.execute(
            "INSERT INTO console_items (kind, item_id, state, reason, since, amount, version) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (kind, item_id) DO UPDATE SET state = EXCLUDED.state, "
            "reason = EXCLUDED.reason, since = EXCLUDED.since, amount = EXCLUDED.amount, version = EXCLUDED.version "
            f"WHERE {guard}", t.kind, t.item, t.state, t.reason, t.since, t.amount, t.version)

    async def items(self, kind: str) -> list[ItemRow]:
        rows = await self.sql.fetch("SELECT item_id, state, reason, since, amount FROM console_items "
                                    "WHERE kind = $1 AND state <> $2 ORDER BY since, item_id", kind, GONE)
        return [ItemRow(r["item_id"], r["state"], r["reason"], r["since"], r["amount"]) for r in rows]

    async def counters(self, now: datetime) -> Counters:
        grouped = await self.sql.fetch(
            "SELECT kind, state, reason, count(*) AS n, coalesce(sum(amount), 0)::bigint AS amount "
            "FROM console_items WHERE state <> $1 GROUP BY kind, state, reason", GONE)
        reviews = await self.sql.fetch("SELECT reason, since FROM console_items WHERE kind = 'review' AND state <> $1",
                                       GONE)
        minute = now.replace(second=0, microsecond=0)
        paid = await self.sql.fetchval(
            "SELECT coalesce(sum(payments), 0) FROM console_paid_minutes WHERE minute = $1", minute)
        last = await self.sql.fetchval(
            "SELECT coalesce(sum(payments), 0) FROM console_paid_minutes WHERE minute = $1",
            minute - timedelta(minutes=1))
        return Counters.build([(r["kind"], r["state"], r["reason"], r["n"], r["amount"]) for r in grouped],
                              [(r["reason"], r["since"]) for r in reviews], now, int(paid), int(last))
