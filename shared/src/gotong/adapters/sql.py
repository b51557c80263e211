"""SQL inside one transaction, for a service's `adapters/` only: application code never sees a connection.

`Database.transaction()` drives the transaction on the asyncpg connection itself (one round trip to begin, one
to commit) while SQLAlchemy, in autocommit mode on the same connection, runs Core statements inside it. Both
through public APIs: SQLAlchemy's `get_raw_connection()` and asyncpg's `Connection.transaction()`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import orjson
from sqlalchemy import Executable
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


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

    __slots__ = ("_conn", "driver")

    def __init__(self, conn: AsyncConnection, driver: asyncpg.Connection) -> None:
        self._conn = conn
        self.driver = driver

    @classmethod
    async def over(cls, conn: AsyncConnection) -> Sql:
        """An `Sql` on a SQLAlchemy connection whose transaction the caller runs."""
        return cls(conn, await raw_driver(conn))

    @property
    def connection(self) -> AsyncConnection:
        """The SQLAlchemy connection (for Core statements built with `sqlalchemy`)."""
        return self._conn

    async def run(self, statement: Executable, params: Any = None) -> Result[Any]:
        """A SQLAlchemy Core statement (or `text()`), inside this transaction."""
        return await self._conn.execute(statement, params)

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
    async def transaction(self) -> AsyncIterator[Sql]:
        """Commits when the block ends, rolls back when it raises."""
        async with self._autocommit.connect() as conn:
            driver = await raw_driver(conn)
            transaction = driver.transaction()
            await transaction.start()
            try:
                yield Sql(conn, driver)
            except BaseException:
                if not driver.is_closed():
                    await transaction.rollback()
                raise
            await transaction.commit()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[Sql]:
        """One consistent read-only snapshot (REPEATABLE READ), rolled back at the end."""
        async with self._autocommit.connect() as conn:
            driver = await raw_driver(conn)
            transaction = driver.transaction(isolation="repeatable_read", readonly=True)
            await transaction.start()
            try:
                yield Sql(conn, driver)
            finally:
                if not driver.is_closed():
                    await transaction.rollback()

    @asynccontextmanager
    async def statement(self) -> AsyncIterator[Sql]:
        """No transaction: each statement commits alone (reads of one row, advisory locks, DDL)."""
        async with self._autocommit.connect() as conn:
            yield Sql(conn, await raw_driver(conn))
