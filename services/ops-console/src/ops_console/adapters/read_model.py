"""The dashboard's read model in SQL: tracked items and paid payments per minute, and the counters read back."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from gotong.adapters.sql import Sql
from ops_console.domain.counters import Counters, ItemRow
from ops_console.domain.operations import CYCLE_ORDER, Change, Forget, Paid, Track, age_bucket

GONE = "gone"
_RANK = "CASE {col} " + " ".join(f"WHEN '{s}' THEN {n}" for s, n in CYCLE_ORDER.items()) + " ELSE 0 END"


_UPSERT = ("INSERT INTO console_items (kind, item_id, state, reason, since, amount, version) "
           "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (kind, item_id) DO UPDATE SET state = EXCLUDED.state, "
           "reason = EXCLUDED.reason, since = EXCLUDED.since, amount = EXCLUDED.amount, version = EXCLUDED.version "
           "WHERE console_items.version <= EXCLUDED.version")
_UPSERT_MANY = _UPSERT.replace("VALUES ($1, $2, $3, $4, $5, $6, $7)",
                               "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], "
                               "$5::timestamptz[], $6::bigint[], $7::bigint[])")
# a cycle only moves forward: a late fact of an earlier state changes nothing
_TRACK_FORWARD = (_UPSERT + f" AND {_RANK.format(col='console_items.state')} < "
                  f"{_RANK.format(col='EXCLUDED.state')}")


def _key(change: Change) -> str:
    if isinstance(change, Paid):
        return "paid"
    if isinstance(change, Forget):
        return "track" if change.version else "forget"
    return "track_forward" if change.forward_only else "track"


def _tracked(change: Change) -> Track:
    if isinstance(change, Forget):
        # a tombstone: an older version arriving later (another partition) must not bring the item back
        return Track(change.kind, change.item, GONE, datetime.now(UTC), version=change.version)
    assert isinstance(change, Track)
    return change


def _row(t: Track) -> tuple[Any, ...]:
    return (t.kind, t.item, t.state, t.reason, t.since, t.amount, t.version)


class ReadModel:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def apply(self, change: Change) -> None:
        await self.apply_all([change])

    async def apply_all(self, changes: Sequence[Change]) -> None:
        """Changes in their order, each run of the same kind of change as one statement: a consumer's batch of
        facts is a few round trips, and the counting triggers run once a statement, not once a fact."""
        run: list[Change] = []
        key = ""
        for change in changes:
            this = _key(change)
            if this != key and run:
                await self._apply_run(key, run)
                run = []
            key = this
            run.append(change)
        if run:
            await self._apply_run(key, run)

    async def _apply_run(self, key: str, run: list[Change]) -> None:
        if key == "paid":
            minutes = Counter(c.at.replace(second=0, microsecond=0) for c in run if isinstance(c, Paid))
            await self.sql.execute(
                "INSERT INTO console_paid_minutes (minute, payments) SELECT * FROM unnest($1::timestamptz[], "
                "$2::int[]) ON CONFLICT (minute) DO UPDATE SET payments = console_paid_minutes.payments + "
                "EXCLUDED.payments", list(minutes), list(minutes.values()))
        elif key == "forget":
            gone = {(c.kind, c.item) for c in run if isinstance(c, Forget)}
            await self.sql.execute("DELETE FROM console_items WHERE (kind, item_id) IN "
                                   "(SELECT * FROM unnest($1::text[], $2::text[]))",
                                   [k for k, _ in gone], [i for _, i in gone])
        elif key == "track":
            # applied one after another, the newest version wins (the later of equals): the same in one statement
            newest: dict[tuple[str, str], Track] = {}
            for c in run:
                t = _tracked(c)
                held = newest.get((t.kind, t.item))
                if held is None or t.version >= held.version:
                    newest[(t.kind, t.item)] = t
            rows = [_row(t) for t in newest.values()]
            await self.sql.execute(_UPSERT_MANY, *(list(column) for column in zip(*rows, strict=True)))
        else:  # a cycle moves forward only: rare facts, applied one by one in order
            await self.sql.executemany(_TRACK_FORWARD, [_row(_tracked(c)) for c in run])

    async def items(self, kind: str, *, limit: int = 10_000, offset: int = 0) -> list[ItemRow]:
        rows = await self.sql.fetch("SELECT item_id, state, reason, since, amount FROM console_items "
                                    "WHERE kind = $1 AND state <> $2 ORDER BY since, item_id LIMIT $3 OFFSET $4",
                                    kind, GONE, limit, offset)
        return [ItemRow(r["item_id"], r["state"], r["reason"], r["since"], r["amount"]) for r in rows]

    async def page(self, kind: str, *, limit: int, after: tuple[datetime, str] | None = None
                   ) -> tuple[int, list[ItemRow]]:
        """One page of a kind's items, oldest first, after a (since, item_id) cursor (keyset: as fast on the last
        page as on the first), and how many there are."""
        total = await self.sql.fetchval("SELECT count(*) FROM console_items WHERE kind = $1 AND state <> $2",
                                        kind, GONE)
        if after is None:
            rows = await self.sql.fetch("SELECT item_id, state, reason, since, amount FROM console_items "
                                        "WHERE kind = $1 AND state <> $2 ORDER BY since, item_id LIMIT $3",
                                        kind, GONE, limit)
        else:
            rows = await self.sql.fetch("SELECT item_id, state, reason, since, amount FROM console_items "
                                        "WHERE kind = $1 AND state <> $2 AND (since, item_id) > ($3, $4) "
                                        "ORDER BY since, item_id LIMIT $5", kind, GONE, after[0], after[1], limit)
        return int(total), [ItemRow(r["item_id"], r["state"], r["reason"], r["since"], r["amount"]) for r in rows]

    async def counters(self, now: datetime) -> Counters:
        """From the counts the trigger keeps (a few rows per kind, and per hour for reviews), never from a scan
        of the items: as cheap with 100,000 open reviews as with ten."""
        grouped = await self.sql.fetch(
            "SELECT kind, state, reason, sum(n)::bigint AS n, sum(amount)::bigint AS amount FROM console_counts "
            "WHERE state <> $1 GROUP BY kind, state, reason HAVING sum(n) <> 0", GONE)
        hours = await self.sql.fetch(
            "SELECT reason, hour, sum(n)::bigint AS n FROM console_counts WHERE kind = 'review' AND state <> $1 "
            "GROUP BY reason, hour HAVING sum(n) <> 0", GONE)
        minute = now.replace(second=0, microsecond=0)
        paid = await self.sql.fetchval(
            "SELECT coalesce(sum(payments), 0) FROM console_paid_minutes WHERE minute = $1", minute)
        last = await self.sql.fetchval(
            "SELECT coalesce(sum(payments), 0) FROM console_paid_minutes WHERE minute = $1",
            minute - timedelta(minutes=1))
        return Counters.build([(r["kind"], r["state"], r["reason"], r["n"], r["amount"]) for r in grouped],
                              [(r["reason"], age_bucket(r["hour"], now), r["n"]) for r in hours], now, int(paid),
                              int(last))
