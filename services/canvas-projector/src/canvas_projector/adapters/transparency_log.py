"""The transparency log on PostgreSQL: staged records, leaves, complete-subtree nodes and checkpoints.

Records are staged with the source store position of their event and sealed into leaves in position order up
to a horizon every partition has passed (the producer's watermark), so replaying the topics from zero yields the
same leaves in the same order. A proof at any size needs O(log n) node rows, fetched in one query.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from canvas_projector.adapters.payment_households import PaymentHouseholds
from canvas_projector.domain.transparency import LastCheckpoint, Node, SignedCheckpoint, StagedRecord, canonical
from gotong.adapters.sql import Sql
from gotong.eventstore.model import Position

#: The record fields a leaf's figures are made of, in the order of `_ADD_FIGURES`'s arrays from $3.
_FIGURE_FIELDS = ("household_ref", "program_code", "region_code", "desil", "period", "occurred_at", "status",
                  "amount")
_ADD_FIGURES = """
    INSERT INTO tlog_figures (idx, household_ref, program_code, region_code, province, regency, desil, period,
                              occurred_at, net)
    SELECT n.idx, coalesce(h.household_ref, n.household_ref), n.program_code, n.region_code,
           split_part(n.region_code, '.', 1),
           split_part(n.region_code, '.', 1) || '.' || split_part(n.region_code, '.', 2),
           n.desil, n.period, n.occurred_at::timestamptz,
           CASE n.status WHEN 'paid' THEN n.amount::bigint WHEN 'returned' THEN -n.amount::bigint ELSE 0 END
    FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                $9::text[], $10::text[])
         AS n(idx, payment_id, household_ref, program_code, region_code, desil, period, occurred_at, status, amount)
    LEFT JOIN tlog_payment_households h ON h.payment_id = n.payment_id"""


def _text(value: Any) -> str | None:
    """A record's field as `->>` gives it: a string as it is, null (or missing) as NULL, else its JSON."""
    if value is None or type(value) is str:
        return value
    return orjson.dumps(value).decode()


class TransparencyLogTable:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    # -- writing --------------------------------------------------------------------------------------------
    async def stage(self, records: Sequence[tuple[str, Position, dict[str, Any]]]) -> None:
        """Remember records until they can be sealed, in one statement; a record staged or sealed before changes
        nothing, and the first of a repeated key wins, as one by one."""
        await self.sql.execute(
            "INSERT INTO tlog_staged (record_key, source_tx_id, source_position, payment_id, leaf) "
            "SELECT DISTINCT ON (k) k, t, p, i, l FROM unnest($1::text[], $2::int8[], $3::int8[], $4::text[], "
            "$5::bytea[]) WITH ORDINALITY AS s(k, t, p, i, l, o) "
            "WHERE NOT EXISTS (SELECT 1 FROM tlog_leaves x WHERE x.record_key = k) "
            "ORDER BY k, o ON CONFLICT (record_key) DO NOTHING",
            [r[0] for r in records], [r[1].tx_id for r in records], [r[1].position for r in records],
            [str(r[2]["payment_id"]) for r in records], [canonical(r[2]) for r in records])

    async def remember_households(self, pairs: Sequence[tuple[str, str]]) -> None:
        """Which household each payment (id) reached: kept privately for the counts, never in a record."""
        await PaymentHouseholds(self.sql).remember(pairs)

    async def take_staged(self, horizon: Position) -> list[StagedRecord]:
        """Remove and return the staged records at or before `horizon`, in source order."""
        rows: list[StagedRecord] = await self.sql.fetch(
            "DELETE FROM tlog_staged WHERE (source_tx_id, source_position) <= ($1, $2) "
            "RETURNING record_key, payment_id, leaf, source_tx_id, source_position", horizon.tx_id, horizon.position)
        rows.sort(key=lambda r: (r[3], r[4]))
        return rows

    async def known_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of `keys` are leaves or staged already."""
        rows = await self.sql.fetch(
            "SELECT record_key FROM tlog_leaves WHERE record_key = ANY($1::text[]) "
            "UNION ALL SELECT record_key FROM tlog_staged WHERE record_key = ANY($1::text[])", keys)
        return {r[0] for r in rows}

    async def lock(self) -> None:
        """One sealer at a time."""
        await self.sql.execute("LOCK TABLE tlog_leaves IN EXCLUSIVE MODE")

    async def try_lock(self) -> bool:
        """The sealer's lock if no one holds it now; False (and nothing changed) if another sealer does."""
        try:
            async with self.sql.savepoint():
                await self.sql.execute("LOCK TABLE tlog_leaves IN EXCLUSIVE MODE NOWAIT")
        except asyncpg.LockNotAvailableError:
            return False
        return True

    async def append(self, leaves: Iterable[Sequence[Any]], nodes: Iterable[Sequence[Any]]) -> None:
        """Leaves (index, record key, payment id, bytes) and nodes, by COPY, with each leaf's payment figures
        (`tlog_figures`) in one statement from the records' fields: the trigger that would parse every leaf's
        JSON again stands aside for this COPY (migration 0010) and fills them only for other writers."""
        leaves = list(leaves)
        await self._add_figures(leaves)
        await self.sql.execute("SELECT set_config('gotong.tlog_figures', 'written', true)")
        await self.sql.copy("tlog_leaves", leaves, ("idx", "record_key", "payment_id", "leaf"))
        await self.sql.execute("SELECT set_config('gotong.tlog_figures', '', true)")
        await self.sql.copy("tlog_nodes", nodes, ("level", "idx", "hash"))

    async def _add_figures(self, leaves: Sequence[Sequence[Any]]) -> None:
        """The rows the trigger of migration 0009 writes for these leaves, by the same expressions, from the
        records' fields as `->>` gives them (the household from the private table, else from the record)."""
        if not leaves:
            return
        columns: list[list[Any]] = [[leaf[0] for leaf in leaves], [leaf[2] for leaf in leaves]]
        records = [orjson.loads(leaf[3]) for leaf in leaves]
        columns += [[_text(r.get(name)) for r in records] for name in _FIGURE_FIELDS]
        await self.sql.execute(_ADD_FIGURES, *columns)

    async def add_checkpoint(self, checkpoint: SignedCheckpoint) -> None:
        await self.sql.execute("INSERT INTO tlog_checkpoints (size, root, note) VALUES ($1, $2, $3)",
                               checkpoint.size, checkpoint.root, checkpoint.note)

    # -- reading --------------------------------------------------------------------------------------------
    async def size(self) -> int:
        # leaves are dense from 0: the primary key's end is the size (count(*) would scan every leaf)
        return int(await self.sql.fetchval("SELECT coalesce(max(idx) + 1, 0) FROM tlog_leaves"))

    async def nodes(self, wanted: Sequence[Node]) -> dict[Node, bytes]:
        rows = await self.sql.fetch(
            "SELECT n.level, n.idx, n.hash FROM tlog_nodes n JOIN unnest($1::int2[], $2::int8[]) AS w(level, idx) "
            "ON n.level = w.level AND n.idx = w.idx", [w[0] for w in wanted], [w[1] for w in wanted])
        return {(r[0], r[1]): bytes(r[2]) for r in rows}

    async def last_checkpoint(self) -> LastCheckpoint | None:
        row = await self.sql.fetchrow("SELECT size, root FROM tlog_checkpoints ORDER BY size DESC LIMIT 1")
        return None if row is None else LastCheckpoint(row["size"], bytes(row["root"]))

    async def latest_note(self) -> tuple[int, str] | None:
        """The latest signed checkpoint: its size and its note."""
        row = await self.sql.fetchrow("SELECT size, note FROM tlog_checkpoints ORDER BY size DESC LIMIT 1")
        return None if row is None else (row["size"], row["note"])

    async def checkpoints(self, limit: int) -> list[tuple[int, bytes, str, datetime]]:
        """Checkpoint history, newest first: size, root, note, signed at."""
        rows = await self.sql.fetch(
            "SELECT size, root, note, signed_at FROM tlog_checkpoints ORDER BY size DESC LIMIT $1", limit)
        return [(r["size"], bytes(r["root"]), r["note"], r["signed_at"]) for r in rows]

    async def leaf_of(self, payment_id: str, status: str, attempt: int | None) -> tuple[int, bytes] | None:
        """The newest leaf of a payment with that status (and attempt: a reissue is a new attempt)."""
        row = await self.sql.fetchrow(
            "SELECT idx, leaf FROM tlog_leaves WHERE payment_id = $1 "
            "AND convert_from(leaf, 'UTF8')::jsonb->>'status' = $2 "
            "AND ($3::int IS NULL OR coalesce((convert_from(leaf, 'UTF8')::jsonb->>'attempt')::int, 1) = $3) "
            "ORDER BY idx DESC LIMIT 1", payment_id, status, attempt)
        return None if row is None else (row["idx"], bytes(row["leaf"]))

    async def record_keys(self) -> list[str]:
        return [r[0] for r in await self.sql.fetch("SELECT record_key FROM tlog_leaves ORDER BY idx")]


class ConsumerProgress:
    """How far a consumer has read each partition: the producer's watermark stored with its position."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    async def watermarks(self, consumer: str, topic: str, partitions: Sequence[int]) -> dict[int, Position]:
        rows = await self.sql.fetch(
            "SELECT partition, watermark_tx_id, watermark_position FROM consumer_positions "
            "WHERE consumer = $1 AND topic = $2 AND partition = ANY($3::int[])", consumer, topic, list(partitions))
        return {r[0]: Position(r[1], r[2]) for r in rows}
