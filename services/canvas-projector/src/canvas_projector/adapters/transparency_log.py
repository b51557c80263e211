"""The transparency log on PostgreSQL: staged records, leaves, complete-subtree nodes and checkpoints.

Records are staged with the source store position of their event and sealed into leaves in position order up
to a horizon every partition has passed (the producer's watermark), so replaying the topics from zero yields the
same leaves in the same order. A proof at any size needs O(log n) node rows, fetched in one query.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import asyncpg
import orjson

from canvas_projector.domain.transparency import LastCheckpoint, Node, SignedCheckpoint, StagedRecord, frontier
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


#: The same rows from fields already resolved (the household given), for a record whose fields `_figure` leaves to
#: PostgreSQL: a time without an offset (read in the session's time zone), an amount that is not a whole number.
_ADD_FIGURES_FROM_TEXT = """
    INSERT INTO tlog_figures (idx, household_ref, program_code, region_code, province, regency, desil, period,
                              occurred_at, net)
    SELECT n.idx, n.household_ref, n.program_code, n.region_code,
           split_part(n.region_code, '.', 1),
           split_part(n.region_code, '.', 1) || '.' || split_part(n.region_code, '.', 2),
           n.desil, n.period, n.occurred_at::timestamptz,
           CASE n.status WHEN 'paid' THEN n.amount::bigint WHEN 'returned' THEN -n.amount::bigint ELSE 0 END
    FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                $9::text[]) AS n(idx, household_ref, program_code, region_code, desil, period, occurred_at, status,
                                 amount)"""
_FIGURE_COLUMNS = ("idx", "household_ref", "program_code", "region_code", "province", "regency", "desil", "period",
                   "occurred_at", "net")

#: A time PostgreSQL and `datetime.fromisoformat` read as the same instant: the date, the time to the microsecond
#: at most (PostgreSQL rounds beyond), and its offset (without one, PostgreSQL reads the session's time zone).
_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
                      r"(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])")
_BIGINT = 2**63

#: Which households the payments of a batch reached, written once per payment; answers the households kept before
#: that differ from the batch's (what the counts read). Only payments already there are looked up, by the key.
_REMEMBER = """
    WITH s(p, h) AS (SELECT * FROM unnest($1::text[], $2::text[])),
         added AS (INSERT INTO tlog_payment_households (payment_id, household_ref) SELECT p, h FROM s
                   ON CONFLICT (payment_id) DO NOTHING RETURNING payment_id)
    SELECT s.p, k.household_ref FROM s
    CROSS JOIN LATERAL (SELECT x.household_ref FROM tlog_payment_households x WHERE x.payment_id = s.p OFFSET 0) k
    WHERE s.p NOT IN (SELECT payment_id FROM added) AND k.household_ref <> s.h"""


def _text(value: Any) -> str | None:
    """A record's field as `->>` gives it: a string as it is, null (or missing) as NULL, else its JSON."""
    if value is None or type(value) is str:
        return value
    if isinstance(value, str):  # a kind of string (in hand, not read from JSON): what its JSON reads back as
        return str(value)
    return orjson.dumps(value).decode()


def _figure(index: int, household: str | None, record: Mapping[str, Any],
            instants: dict[str, datetime]) -> tuple[Any, ...] | None:
    """A leaf's `tlog_figures` row from its record's fields, exactly what `_ADD_FIGURES` makes of them; None when
    only PostgreSQL can say (`_INSTANT`, an amount that is not a whole number in range). `instants`: times read
    so far (a batch's payments share a handful)."""
    get = record.get
    region = _text(get("region_code"))
    if region is None:
        province = regency = None
    else:
        parts = region.split(".", 2)
        province = parts[0]
        regency = f"{parts[0]}.{parts[1] if len(parts) > 1 else ''}"
    occurred = _text(get("occurred_at"))
    when: datetime | None = None
    if occurred is not None:
        when = instants.get(occurred)
        if when is None:
            if _INSTANT.fullmatch(occurred) is None:
                return None
            try:
                when = datetime.fromisoformat(occurred)
            except ValueError:
                return None  # PostgreSQL says what is wrong with it
            instants[occurred] = when
    status = _text(get("status"))
    if status == "paid" or status == "returned":
        amount = get("amount")
        if type(amount) is not int or not -_BIGINT < amount < _BIGINT:
            return None
        net = amount if status == "paid" else -amount
    else:
        net = 0
    return (index, household, _text(get("program_code")), region, province, regency, _text(get("desil")),
            _text(get("period")), when, net)


class TransparencyLogTable:
    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    # -- writing --------------------------------------------------------------------------------------------
    async def stage(self, records: Sequence[StagedRecord]) -> None:
        """Remember records (record key, payment id, leaf bytes, source tx id, source position) until they can be
        sealed, in one statement; a record staged or sealed before changes nothing, and the first of a repeated key
        wins, as one by one. (Whether a key is a leaf is asked by its index, record by record: the planner would
        read every leaf to answer for a batch.)"""
        if not records:
            return
        await self.sql.execute(
            "INSERT INTO tlog_staged (record_key, source_tx_id, source_position, payment_id, leaf) "
            "SELECT DISTINCT ON (k) k, t, p, i, l FROM unnest($1::text[], $2::int8[], $3::int8[], $4::text[], "
            "$5::bytea[]) WITH ORDINALITY AS s(k, t, p, i, l, o) "
            "WHERE NOT EXISTS (SELECT 1 FROM tlog_leaves x WHERE x.record_key = k OFFSET 0) "
            "ORDER BY k, o ON CONFLICT (record_key) DO NOTHING",
            [r[0] for r in records], [r[3] for r in records], [r[4] for r in records],
            [r[1] for r in records], [r[2] for r in records])

    async def remember_households(self, households: Mapping[str, str]) -> dict[str, str]:
        """Which household each payment (id: household ref) reached: kept privately for the counts, never in a
        record. A payment's household is written once: returns the households kept before for payments here
        that differ from `households` (what the counts read)."""
        if not households:
            return {}
        rows = await self.sql.fetch(_REMEMBER, list(households), list(households.values()))
        return {r[0]: r[1] for r in rows}

    async def take_staged(self, horizon: Position) -> list[StagedRecord]:
        """Remove and return the staged records at or before `horizon`, in source order: record key, payment id,
        leaf bytes, source tx id, source position, and the household the payment reached if it is known."""
        rows: list[StagedRecord] = await self.sql.fetch(
            "DELETE FROM tlog_staged s WHERE (source_tx_id, source_position) <= ($1, $2) "
            "RETURNING record_key, payment_id, leaf, source_tx_id, source_position, "
            "(SELECT h.household_ref FROM tlog_payment_households h WHERE h.payment_id = s.payment_id)",
            horizon.tx_id, horizon.position)
        rows.sort(key=lambda r: (r[3], r[4]))
        return rows

    async def known_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of `keys` are leaves or staged already (each asked by its index)."""
        rows = await self.sql.fetch(
            "SELECT k FROM unnest($1::text[]) AS k "
            "WHERE EXISTS (SELECT 1 FROM tlog_leaves x WHERE x.record_key = k OFFSET 0) "
            "OR EXISTS (SELECT 1 FROM tlog_staged s WHERE s.record_key = k OFFSET 0)", keys)
        return {r[0] for r in rows}

    async def lock(self) -> None:
        """One sealer at a time."""
        await self.sql.execute("LOCK TABLE tlog_leaves IN EXCLUSIVE MODE")

    async def try_lock(self, wait_ms: int = 0) -> bool:
        """The sealer's lock if no one holds it now, or lets go of it within `wait_ms`; False (and nothing changed)
        if another sealer holds it longer."""
        statement = ("LOCK TABLE tlog_leaves IN EXCLUSIVE MODE NOWAIT" if wait_ms <= 0 else
                     f"SET LOCAL lock_timeout = {int(wait_ms)}; LOCK TABLE tlog_leaves IN EXCLUSIVE MODE; "
                     "SET LOCAL lock_timeout = DEFAULT")
        try:
            async with self.sql.savepoint():
                await self.sql.execute(statement)
        except asyncpg.LockNotAvailableError:
            return False
        return True

    async def append(self, leaves: Iterable[Sequence[Any]], nodes: Iterable[Sequence[Any]],
                     figures: Sequence[Sequence[Any]] | None = None) -> None:
        """Leaves (index, record key, payment id, bytes) and nodes, by COPY, with each leaf's payment figures
        (`tlog_figures`): the trigger that would parse every leaf's JSON again stands aside for this COPY
        (migration 0010) and fills them only for other writers. `figures`: the leaves' rows, from `figures`;
        without them, made from the leaves' JSON and the private households table in one statement."""
        leaves = list(leaves)
        if figures is None:
            await self._add_figures(leaves)
        else:
            await self._copy_figures(figures)
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

    @staticmethod
    def figures(leaves: Sequence[Sequence[Any]], sources: Sequence[StagedRecord]) -> list[tuple[Any, ...]]:
        """The `_add_figures` rows of `leaves`, made from the staged records they were sealed from (in the same
        order, each with its household: `take_staged`'s, a fresh record's household and record after the five
        fields): a fresh record's own fields; a staged record's leaf, and the household its payment reached, else
        the record's own. A row whose time or amount only PostgreSQL reads (`_figure`) holds the fields as text,
        for `_ADD_FIGURES_FROM_TEXT`."""
        rows: list[tuple[Any, ...]] = []
        instants: dict[str, datetime] = {}
        for leaf, source in zip(leaves, sources, strict=True):
            if len(source) > 6:
                household, record = source[5], source[6]
            else:
                record = orjson.loads(leaf[3])
                household = source[5] if source[5] is not None else _text(record.get("household_ref"))
            row = _figure(leaf[0], household, record, instants)
            if row is None:
                row = (leaf[0], household, *(_text(record.get(name)) for name in _FIGURE_FIELDS[1:]))
            rows.append(row)
        return rows

    async def _copy_figures(self, figures: Sequence[Sequence[Any]]) -> None:
        """Figure rows by COPY; those left as text (`figures`) through `_ADD_FIGURES_FROM_TEXT`."""
        copied = [r for r in figures if len(r) == len(_FIGURE_COLUMNS)]
        if copied:
            await self.sql.copy("tlog_figures", copied, _FIGURE_COLUMNS)
        if len(copied) != len(figures):
            texts = [r for r in figures if len(r) != len(_FIGURE_COLUMNS)]
            await self.sql.execute(_ADD_FIGURES_FROM_TEXT, *([r[i] for r in texts] for i in range(9)))

    async def add_checkpoint(self, checkpoint: SignedCheckpoint) -> None:
        await self.sql.execute("INSERT INTO tlog_checkpoints (size, root, note) VALUES ($1, $2, $3)",
                               checkpoint.size, checkpoint.root, checkpoint.note)

    # -- reading --------------------------------------------------------------------------------------------
    async def size(self) -> int:
        # leaves are dense from 0: the primary key's end is the size (count(*) would scan every leaf)
        return int(await self.sql.fetchval("SELECT coalesce(max(idx) + 1, 0) FROM tlog_leaves"))

    async def frontier(self) -> tuple[int, dict[Node, bytes]]:
        """The log's size and the nodes appending to it needs (`frontier`), in one query."""
        rows = await self.sql.fetch(
            "WITH s AS (SELECT coalesce(max(idx) + 1, 0) AS size FROM tlog_leaves) "
            "SELECT s.size, n.level, n.idx, n.hash FROM s LEFT JOIN LATERAL (SELECT x.level, x.idx, x.hash "
            "FROM generate_series(0, 62) AS b JOIN tlog_nodes x ON x.level = b AND x.idx = (s.size >> b) - 1 "
            "WHERE (s.size >> b) & 1 = 1) n ON true")
        size = int(rows[0][0])
        nodes = {(r[1], r[2]): bytes(r[3]) for r in rows if r[1] is not None}
        if len(nodes) != len(frontier(size)):
            raise RuntimeError("the log's frontier nodes are missing")
        return size, nodes

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
