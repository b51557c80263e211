"""SQL inside one transaction, for a service's `adapters/` only: application code never sees a connection.

`Database.transaction()` takes a connection from the engine's pool and drives the transaction on the asyncpg
connection itself (one round trip to begin, one to commit). A SQLAlchemy connection over the same connection, in
autocommit mode so that Core statements run inside that transaction, is made only when a caller asks for one
(`Sql.run`, `Sql.connection`): an append or a tracking update never pays for it. Public APIs only: SQLAlchemy's
`AsyncEngine.raw_connection()`, `Connection(engine, connection)` and `AsyncConnection(engine, connection)`, and
asyncpg's `Connection.transaction()`, and the pool's `size()` / `checkedout()` and `engine_disposed` event.

Taking a connection from SQLAlchemy's pool and giving it back costs two greenlet switches and the pool's
bookkeeping, about as much again as a one-row transaction's own work in Python. So a block that ends cleanly,
without having made a SQLAlchemy connection, leaves its connection with the engine's `_Idle` (at most two, while
the pool is below its size) and the next block on the same engine takes it from there. Anything unusual (an
error, a transaction left open, a closed connection, another event loop, a connection kept over a second)
goes back through the pool, so the pool still checks, pings and recycles each connection at least once a second
of use; `engine.dispose()` closes the idle ones.
"""

from __future__ import annotations

import asyncio
import os
import time
import weakref
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import orjson
from sqlalchemy import Executable, event
from sqlalchemy.engine import Connection, Engine, Result
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import Pool, PoolProxiedConnection, QueuePool
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


_KEEP_S = 1.0  # a connection goes back through the pool (ping, recycle) after this long out of it
_KEEP_IDLE = 2  # idle connections kept per engine: one per concurrent flow of transactions is what pays


class _Lease:
    """A connection taken from the engine's pool for one block; the SQLAlchemy connection over it is made only
    when asked for (it costs as much as a small statement)."""

    __slots__ = ("_autocommit", "_conn", "driver", "loop", "pool", "raw", "taken_at")

    def __init__(self, autocommit: AsyncEngine, raw: PoolProxiedConnection, pool: Pool) -> None:
        self._autocommit = autocommit
        self.raw = raw
        self.driver: asyncpg.Connection = raw.driver_connection
        self._conn: AsyncConnection | None = None
        self.pool = pool
        self.loop = asyncio.get_running_loop()
        self.taken_at = time.monotonic()

    def sqlalchemy(self) -> AsyncConnection:
        if self._conn is None:
            # On the autocommit engine: its `engine_connect` hook puts the pooled connection in autocommit (the
            # transaction is asyncpg's) and has the pool undo that when the connection goes back.
            sync = Connection(self._autocommit.sync_engine, connection=self.raw)
            self._conn = AsyncConnection(self._autocommit, sync)
        return self._conn

    def sql(self) -> Sql:
        return Sql(None, self.driver, lease=self)

    def reusable(self, pool: Pool) -> bool:
        """Whether the next block may take this connection as it is, without the pool's checks: it is open,
        outside any transaction, of this loop and this pool, and was checked out of the pool under a second ago."""
        return (self._conn is None and self.pool is pool and self.loop is asyncio.get_running_loop()
                and time.monotonic() - self.taken_at < _KEEP_S
                and not self.driver.is_closed() and not self.driver.is_in_transaction())

    async def release(self) -> None:
        """Back to the pool, or closed when the server went away or a transaction is still open on it (the pool's
        reset rolls back only transactions SQLAlchemy began, so it would hand that one out mid-transaction)."""
        if self.driver.is_closed() or self.driver.is_in_transaction():
            await greenlet_spawn(self.raw.invalidate)
        if self._conn is not None:
            await self._conn.close()  # returns `raw` to the pool
        else:
            await greenlet_spawn(self.raw.close)


class _Idle:
    """An engine's connections between blocks, checked out of its pool, newest last (the one most likely warm)."""

    __slots__ = ("__weakref__", "leases")

    def __init__(self) -> None:
        self.leases: list[_Lease] = []

    def close(self, *_: object) -> None:
        """On `engine_disposed` (inside `AsyncEngine.dispose`'s greenlet): the pool they came from is gone, so
        giving them back would leave them open in it; they are closed."""
        leases, self.leases = self.leases, []
        for lease in leases:
            lease.raw.invalidate()

    def forget(self) -> None:
        """In a forked child: the sockets are the parent's, so they are neither used nor closed here."""
        self.leases = []


_idle: weakref.WeakKeyDictionary[Engine, _Idle] = weakref.WeakKeyDictionary()
_every_idle: weakref.WeakSet[_Idle] = weakref.WeakSet()


def _forget_after_fork() -> None:
    for idle in list(_every_idle):
        idle.forget()


os.register_at_fork(after_in_child=_forget_after_fork)


def _idle_of(engine: Engine) -> _Idle:
    idle = _idle.get(engine)
    if idle is None:
        idle = _idle[engine] = _Idle()
        _every_idle.add(idle)
        event.listen(engine, "engine_disposed", idle.close)
    return idle


class Database:
    """A service database: transactions for writers, snapshots for readers."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._autocommit_engine: AsyncEngine | None = None
        self._idle_leases: _Idle | None = None

    @property
    def _autocommit(self) -> AsyncEngine:
        # Made on first use: a consumer or relay may be built before its engine is (tests build them bare).
        if self._autocommit_engine is None:
            self._autocommit_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        return self._autocommit_engine

    @property
    def _idle(self) -> _Idle:
        # Shared by every `Database` on the engine (the event store, each consumer, the relay each make one).
        if self._idle_leases is None:
            self._idle_leases = _idle_of(self.engine.sync_engine)
        return self._idle_leases

    async def _take(self) -> _Lease:
        idle = self._idle
        pool = self.engine.sync_engine.pool
        while idle.leases:
            lease = idle.leases.pop()
            if lease.reusable(pool):
                return lease
            await lease.release()
        return _Lease(self._autocommit, await self.engine.raw_connection(), pool)

    async def _give_back(self, lease: _Lease) -> None:
        """Keep a cleanly ended block's connection for the next one, unless that would hold more than two idle
        or take the pool past its size (whatever else uses the engine still finds connections there)."""
        pool = self.engine.sync_engine.pool
        idle = self._idle.leases
        if (len(idle) < _KEEP_IDLE and isinstance(pool, QueuePool) and pool.checkedout() < pool.size()
                and lease.reusable(pool)):
            idle.append(lease)
        else:
            await lease.release()

    @asynccontextmanager
    async def _lease(self) -> AsyncIterator[_Lease]:
        lease = await self._take()
        try:
            yield lease
        except BaseException:
            await lease.release()  # whatever went wrong may have left the connection unusable
            raise
        await self._give_back(lease)

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
