"""The PostgreSQL event store (SQLAlchemy async engine; hot paths on the asyncpg connection underneath).

Global order is `(tx_id, position)`: `tx_id` is the appending transaction's id (`pg_current_xact_id()`),
`position` an identity within it. A tailing reader only returns events whose `tx_id` is below the oldest
transaction still running (`pg_snapshot_xmin`), so no event can ever commit behind what a reader has passed.
The one way a stream's versions could disagree with that order — a transaction that got its id earlier
appending after a younger one already appended to the same stream — is refused as a concurrency conflict.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from gotong.adapters.sql import Database, Sql
from gotong.eventstore.codec import dumps, loads
from gotong.eventstore.errors import ConcurrencyError, WrongExpectedVersion
from gotong.eventstore.model import (
    START,
    AppendRequest,
    EventData,
    EventMetadata,
    Position,
    RecordedEvent,
    Snapshot,
)

_COLUMNS = (
    "stream_id", "stream_type", "version", "event_id", "event_type", "schema_version", "data",
    "occurred_at", "correlation_id", "causation_id", "actor", "idempotency_key", "traceparent",
)

_APPEND = """
WITH last AS (
    SELECT version, tx_id FROM events WHERE stream_id = $1 ORDER BY version DESC LIMIT 1
), ok AS (
    SELECT 1 WHERE coalesce((SELECT version FROM last), 0) = $2
               AND coalesce((SELECT tx_id FROM last) <= pg_current_xact_id(), true)
)
INSERT INTO events (stream_id, stream_type, version, event_id, event_type, schema_version, data, occurred_at,
                    correlation_id, causation_id, actor, idempotency_key, traceparent)
SELECT $1, $3, $2 + e.ord::int, e.event_id, e.event_type, e.schema_version, e.data, e.occurred_at,
       e.correlation_id, e.causation_id, e.actor, e.idempotency_key, e.traceparent
FROM ok, unnest($4::uuid[], $5::text[], $6::int2[], $7::jsonb[], $8::timestamptz[], $9::uuid[], $10::uuid[],
                $11::text[], $12::text[], $13::text[])
     WITH ORDINALITY AS e(event_id, event_type, schema_version, data, occurred_at, correlation_id,
                          causation_id, actor, idempotency_key, traceparent, ord)
RETURNING version
"""

# A new stream needs no version lookup: the primary key refuses a second version 1.
_CREATE = """
INSERT INTO events (stream_id, stream_type, version, event_id, event_type, schema_version, data, occurred_at,
                    correlation_id, causation_id, actor, idempotency_key, traceparent)
SELECT $1, $3, $2 + e.ord::int, e.event_id, e.event_type, e.schema_version, e.data, e.occurred_at,
       e.correlation_id, e.causation_id, e.actor, e.idempotency_key, e.traceparent
FROM unnest($4::uuid[], $5::text[], $6::int2[], $7::jsonb[], $8::timestamptz[], $9::uuid[], $10::uuid[],
            $11::text[], $12::text[], $13::text[])
     WITH ORDINALITY AS e(event_id, event_type, schema_version, data, occurred_at, correlation_id,
                          causation_id, actor, idempotency_key, traceparent, ord)
RETURNING version
"""

# One event, the common command: plain parameters (no arrays to encode and unnest), one round trip.
_INSERT_ONE = """
INSERT INTO events (stream_id, stream_type, version, event_id, event_type, schema_version, data, occurred_at,
                    correlation_id, causation_id, actor, idempotency_key, traceparent)
VALUES ($1, $3, $2 + 1, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
"""

_APPEND_ONE = """
INSERT INTO events (stream_id, stream_type, version, event_id, event_type, schema_version, data, occurred_at,
                    correlation_id, causation_id, actor, idempotency_key, traceparent)
SELECT $1, $3, $2 + 1, $4, $5, $6, $7::jsonb, $8, $9, $10, $11, $12, $13
FROM (SELECT version, tx_id FROM events WHERE stream_id = $1 ORDER BY version DESC LIMIT 1) AS last
WHERE last.version = $2 AND last.tx_id <= pg_current_xact_id()
"""

_CHECK_BATCH = """
SELECT b.s FROM unnest($1::uuid[], $2::int[]) AS b(s, exp)
WHERE NOT EXISTS (
    SELECT 1 FROM events e WHERE e.stream_id = b.s AND e.version = b.exp AND e.tx_id <= pg_current_xact_id()
)
LIMIT 1
"""

_SELECT = """
SELECT stream_id, stream_type, version, event_id, event_type, schema_version, data, occurred_at,
       correlation_id, causation_id, actor, idempotency_key, traceparent, tx_id::text::bigint AS tx,
       position, recorded_at
FROM events
"""

# The followers' read (the relay's hot path): the same columns, `data` as JSON text (decoded by orjson here, not
# by the driver's jsonb codec, which copies it twice first), read by position (`_from_read_all`).
_READ_ALL = _SELECT.replace(" data,", " data::text,") + """
WHERE (tx_id, position) > ($1::text::xid8, $2::bigint)
  AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY tx_id, position
LIMIT $3
"""

_HEAD = """
SELECT tx_id::text::bigint, position FROM events
WHERE tx_id < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY tx_id DESC, position DESC LIMIT 1
"""


def select_events_sql(where_order_limit: str) -> str:
    """The event columns a `RecordedEvent` is read from, with the caller's WHERE / ORDER BY / LIMIT."""
    return _SELECT + where_order_limit


def recorded_from_row(r: asyncpg.Record | Any) -> RecordedEvent:
    return _row_to_event(r)


def _row_to_event(r: asyncpg.Record | Any) -> RecordedEvent:
    data = r["data"]
    return RecordedEvent(
        stream_id=r["stream_id"],
        stream_type=r["stream_type"],
        version=r["version"],
        event_id=r["event_id"],
        event_type=r["event_type"],
        schema_version=r["schema_version"],
        data=loads(data) if isinstance(data, str | bytes) else data,
        occurred_at=r["occurred_at"],
        metadata=EventMetadata(
            correlation_id=r["correlation_id"], causation_id=r["causation_id"], actor=r["actor"],
            idempotency_key=r["idempotency_key"], traceparent=r["traceparent"],
        ),
        position=Position(r["tx"], r["position"]),
        recorded_at=r["recorded_at"],
    )


def _from_read_all(r: asyncpg.Record) -> RecordedEvent:
    """`_row_to_event` of a `_READ_ALL` row, unpacked by position (a follower reads tens of thousands a second)."""
    (stream_id, stream_type, version, event_id, event_type, schema_version, data, occurred_at, correlation_id,
     causation_id, actor, idempotency_key, traceparent, tx, position, recorded_at) = r
    return RecordedEvent(stream_id, stream_type, version, event_id, event_type, schema_version, loads(data),
                         occurred_at, EventMetadata(correlation_id, causation_id, actor, idempotency_key, traceparent),
                         Position(tx, position), recorded_at)


def _conflict(err: asyncpg.UniqueViolationError, stream_id: UUID | None) -> ConcurrencyError:
    if err.constraint_name == "events_event_id_key":
        return ConcurrencyError("an event with this id was already appended")
    return ConcurrencyError(f"stream {stream_id} was appended to concurrently" if stream_id else
                            "one of the streams was appended to concurrently")


class PostgresEventStoreTx:
    """The store's calls inside one open transaction (`sql`: the same transaction, for projectors/adapters)."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    @classmethod
    def on(cls, sql: Sql) -> PostgresEventStoreTx:
        return cls(sql)

    async def _driver(self) -> asyncpg.Connection:
        return self.sql.driver

    async def append(
        self, stream_id: UUID, stream_type: str, expected_version: int, events: Sequence[EventData]
    ) -> int:
        if not events:
            return expected_version
        driver = self.sql.driver
        try:
            if len(events) == 1:
                e = events[0]
                m = e.metadata
                status = await driver.execute(
                    _INSERT_ONE if expected_version == 0 else _APPEND_ONE, stream_id, expected_version, stream_type,
                    e.event_id, e.event_type, e.schema_version, dumps(e.data), e.occurred_at, m.correlation_id,
                    m.causation_id, m.actor, m.idempotency_key, m.traceparent)
                appended = status != "INSERT 0 0"
            else:
                args: list[list[Any]] = [[] for _ in range(10)]
                for e in events:
                    m = e.metadata
                    for i, value in enumerate((e.event_id, e.event_type, e.schema_version, dumps(e.data),
                                               e.occurred_at, m.correlation_id, m.causation_id, m.actor,
                                               m.idempotency_key, m.traceparent)):
                        args[i].append(value)
                rows = await driver.fetch(_CREATE if expected_version == 0 else _APPEND, stream_id,
                                          expected_version, stream_type, *args)
                appended = bool(rows)
        except asyncpg.UniqueViolationError as err:
            if expected_version == 0 and err.constraint_name == "events_pkey":
                raise WrongExpectedVersion(stream_id, 0) from err  # the stream exists already
            raise _conflict(err, stream_id) from err
        if not appended:
            actual = await driver.fetchval(
                "SELECT coalesce(max(version), 0) FROM events WHERE stream_id = $1", stream_id)
            if actual == expected_version:  # a younger transaction appended first; our order would invert
                raise ConcurrencyError(f"stream {stream_id} was appended to by a newer transaction")
            raise WrongExpectedVersion(stream_id, expected_version, actual)
        return expected_version + len(events)

    async def append_batch(self, requests: Sequence[AppendRequest]) -> int:
        records: list[tuple[Any, ...]] = []
        to_check_streams: list[UUID] = []
        to_check_versions: list[int] = []
        for req in requests:
            if req.expected_version:
                to_check_streams.append(req.stream_id)
                to_check_versions.append(req.expected_version)
            for i, e in enumerate(req.events, start=1):
                m = e.metadata
                records.append((
                    req.stream_id, req.stream_type, req.expected_version + i, e.event_id, e.event_type,
                    e.schema_version, dumps(e.data), e.occurred_at, m.correlation_id, m.causation_id, m.actor,
                    m.idempotency_key, m.traceparent,
                ))
        if not records:
            return 0
        driver = await self._driver()
        try:
            await driver.copy_records_to_table("events", records=records, columns=_COLUMNS)
        except asyncpg.UniqueViolationError as err:
            raise _conflict(err, None) from err
        if to_check_streams:
            bad = await driver.fetchval(_CHECK_BATCH, to_check_streams, to_check_versions)
            if bad is not None:
                expected = to_check_versions[to_check_streams.index(bad)]
                raise WrongExpectedVersion(bad, expected)
        return len(records)

    async def load(self, stream_id: UUID, after_version: int = 0) -> list[RecordedEvent]:
        driver = await self._driver()
        rows = await driver.fetch(_SELECT + "WHERE stream_id = $1 AND version > $2 ORDER BY version",
                                  stream_id, after_version)
        return [_row_to_event(r) for r in rows]

    async def save_snapshot(self, snapshot: Snapshot) -> None:
        driver = await self._driver()
        await driver.execute(
            """INSERT INTO snapshots (stream_id, version, schema_version, state) VALUES ($1, $2, $3, $4::jsonb)
               ON CONFLICT (stream_id) DO UPDATE SET version = excluded.version,
                 schema_version = excluded.schema_version, state = excluded.state, taken_at = now()
               WHERE snapshots.version < excluded.version""",
            snapshot.stream_id, snapshot.version, snapshot.schema_version, dumps(snapshot.state),
        )

    async def load_snapshot(self, stream_id: UUID) -> Snapshot | None:
        driver = await self._driver()
        row = await driver.fetchrow(
            "SELECT version, schema_version, state FROM snapshots WHERE stream_id = $1", stream_id)
        if row is None:
            return None
        state = row["state"]
        return Snapshot(stream_id, row["version"], loads(state) if isinstance(state, str | bytes) else state,
                        row["schema_version"])


class PostgresEventStore:
    """Event store over one service database. `transaction()` is the unit of work's connection."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        # The transaction is driven on the asyncpg connection itself (one round trip to begin, one to commit);
        # SQLAlchemy, in autocommit mode on the same connection, runs projection writes inside it.
        self.database = Database(engine)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[PostgresEventStoreTx]:
        async with self.database.transaction() as sql:
            yield PostgresEventStoreTx(sql)

    async def load(self, stream_id: UUID, after_version: int = 0) -> list[RecordedEvent]:
        async with self.transaction() as tx:
            return await tx.load(stream_id, after_version)

    async def read_all(self, after: Position = START, limit: int = 1000) -> list[RecordedEvent]:
        async with self.database.statement() as sql:
            rows = await sql.fetch(_READ_ALL, str(after.tx_id), after.position, limit)
        return [_from_read_all(r) for r in rows]

    async def head(self) -> Position:
        async with self.database.statement() as sql:
            row = await sql.fetchrow(_HEAD)
        return Position(row[0], row[1]) if row else START

    async def count_after(self, after: Position) -> int:
        async with self.database.statement() as sql:
            n = await sql.fetchval(
                "SELECT count(*) FROM events WHERE (tx_id, position) > ($1::text::xid8, $2::bigint)",
                str(after.tx_id), after.position)
        return int(n)
