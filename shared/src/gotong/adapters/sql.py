"""SQL inside one transaction, for a service's `adapters/` only: application code never sees a connection.

`Database.transaction()` takes a connection from the engine's pool and drives the transaction on the asyncpg
connection itself (one round trip to begin, one to commit). A SQLAlchemy connection over the same connection, in
autocommit mode so that Core statements run inside that transaction, is made only when a caller asks for one
(`Sql.run`, `Sql.connection`): an append or a tracking update never pays for it. Public APIs only: SQLAlchemy's
`AsyncEngine.raw_connection()`, `Connection(engine, connection)` and `AsyncConnection(engine, connection)`, and
asyncpg's `Connection.transaction()`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import orjson
from sqlalchemy import Executable
from sqlalchemy.engine import Connection, Result
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.util import greenlet_spawn


async def raw_driver(conn: AsyncConnection) -> asyncpg.Connection:
    """The asyncpg connection under a SQLAlchemy one (public API: the pool's `driver_connection`)."""
    raw = await conn.get_raw_connection()
    driver: asyncpg.Connection = raw.driver_connection
    return driver


def jsonb(value: Any) -> Any:
    """A JSONB value as read: asyncpg hands JSONB over as text unless a codec was set on the connection."""
    return orjson.loads(value) if isinstance(value, str | bytes) else value


class Sql:
    """One open transaction: asyncpg's fast calls and SQLAlchemy Core on the same connection."""

    __slots__ = ("_conn", "_lease", "driver")

    def __init__(self, conn: AsyncConnection | None, driver: asyncpg.Connection, *,
                 lease: _Lease | None = None) -> None:
        self._conn = conn
        self._lease = lease
        self.driver = driver

    @classmethod
    async def over(cls, conn: AsyncConnection) -> Sql:
        """An `Sql` on a SQLAlchemy connection whose transaction the caller runs."""
        return cls(conn, await raw_driver(conn))

    @property
    def connection(self) -> AsyncConnection:
        """The SQLAlchemy connection (for Core statements built with `sqlalchemy`), made on first use."""
        if self._conn is None:
            assert self._lease is not None
            self._conn = self._lease.sqlalchemy()
        return self._conn

    async def run(self, statement: Executable, params: Any = None) -> Result[Any]:
        """A SQLAlchemy Core statement (or `text()`), inside this transaction."""
        return await self.connection.execute(statement, params)

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await self.driver.fetch(query, *args)
        return rows

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        return await self.driver.fetchrow(query, *args)

    async def fetchval(self, query: str, *args: Any) -> Any:
        return await self.driver.fetchval(query, *args)

    async def execute(self, query: str, *args: Any) -> str:
        status: str = await self.driver.execute(query, *args)
        return status

    async def executemany(self, query: str, args: Iterable[Sequence[Any]]) -> None:
        await self.driver.executemany(query, args)

    async def copy(self, table: str, records: Iterable[Sequence[Any]], columns: Sequence[str]) -> None:
        """COPY rows into `table` (the bulk paths)."""
        await self.driver.copy_records_to_table(table, records=records, columns=list(columns))

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A nested transaction: what runs inside is undone alone when it raises."""
        async with self.driver.transaction():
            yield


class _Lease:
    """A connection taken from the engine's pool for one block; the SQLAlchemy connection over it is made only
    when asked for (it costs as much as a small statement)."""

    __slots__ = ("_autocommit", "_conn", "driver", "raw")

    def __init__(self, autocommit: AsyncEngine, raw: PoolProxiedConnection) -> None:
        self._autocommit = autocommit
        self.raw = raw
        self.driver: asyncpg.Connection = raw.driver_connection
        self._conn: AsyncConnection | None = None

    def sqlalchemy(self) -> AsyncConnection:
        if self._conn is None:
            # On the autocommit engine: its `engine_connect` hook puts the pooled connection in autocommit (the
            # transaction is asyncpg's) and has the pool undo that when the connection goes back.
            sync = Connection(self._autocommit.sync_engine, connection=self.raw)
            self._conn = AsyncConnection(self._autocommit, sync)
        return self._conn

    def sql(self) -> Sql:
        return Sql(None, self.driver, lease=self)

    async def release(self) -> None:
        if self.driver.is_closed():  # the server went away: the pool must not hand this connection out again
            await greenlet_spawn(self.raw.invalidate)
        if self._conn is not None:
            await self._conn.close()  # returns `raw` to the pool
        else:
            await greenlet_spawn(self.raw.close)


class Database:
    """A service database: transactions for writers, snapshots for readers."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._autocommit_engine: AsyncEngine | None = None

    @property
    def _autocommit(self) -> AsyncEngine:
        # Made on first use: a consumer or relay may be built before its engine is (tests build them bare).
        if self._autocommit_engine is None:
            self._autocommit_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        return self._autocommit_engine

    @asynccontextmanager
    async def _lease(self) -> AsyncIterator[_Lease]:
        lease = _Lease(self._autocommit, await self.engine.raw_connection())
        try:
            yield lease
        finally:
            await lease.release()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Sql]:
        """Commits when the block ends, rolls back when it raises."""
        async with self._lease() as lease:
            driver = lease.driver
            transaction = driver.transaction()
            await transaction.start()
            try:
                yield lease.sql()
            except BaseException:
                if not driver.is_closed():
                    await transaction.rollback()
                raise
            await transaction.commit()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Sql]:
        """One consistent read-only snapshot (REPEATABLE READ), rolled back at the end."""
        async with self._lease() as lease:
            driver = lease.driver
            transaction = driver.transaction(isolation="repeatable_read", readonly=True)
            await transaction.start()
            try:
                yield lease.sql()
            finally:
                if not driver.is_closed():
                    await transaction.rollback()

    @asynccontextmanager
    async def statement(self) -> AsyncIterator[Sql]:
        """No transaction: each statement commits alone (reads of one row, advisory locks, DDL)."""
        async with self._lease() as lease:
            yield lease.sql()
