"""Database plumbing: async engines, creating a service's database, asyncpg URLs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import asyncpg
import orjson
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

_POSTGRES_SCHEMES = ("postgres", "postgresql")


def sqlalchemy_url(url: str) -> str:
    """The URL the kit's engines take: a PostgreSQL URL with asyncpg as its driver, whatever driver it named.

    `DATABASE_URL=postgresql://...` (what libpq, psql and hosted databases hand out) would otherwise let
    SQLAlchemy pick psycopg, which refuses asyncpg's connect arguments and has no `raw_driver` the kit uses.
    Anything that is not PostgreSQL is returned as given, so the engine names the problem."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.partition("+")[0] not in _POSTGRES_SCHEMES:
        return url
    return "postgresql+asyncpg://" + rest


def create_engine(url: str, *, pool_size: int = 10, echo: bool = False, pre_ping: bool = False) -> AsyncEngine:
    # No pre-ping by default: with asyncpg it costs three round trips per checkout (begin, ping, rollback), as
    # much as a whole command. Dropped connections surface as errors the relay/consumers retry, and the pool
    # recycles connections before servers or proxies time them out.
    return create_async_engine(
        sqlalchemy_url(url), pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=pre_ping, pool_recycle=1800,
        echo=echo,
        connect_args={"server_settings": {"application_name": "gotong"}},
        json_serializer=lambda obj: orjson.dumps(obj).decode(), json_deserializer=orjson.loads,
    )


def asyncpg_dsn(url: str) -> str:
    """The plain libpq-style DSN asyncpg wants, from a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def ensure_database(url: str) -> bool:
    """Create the database that `url` names if it does not exist. Returns True when it was created."""
    target = make_url(url)
    name = target.database
    assert name, "URL must name a database"
    admin = asyncpg_dsn(target.set(database="postgres").render_as_string(hide_password=False))
    conn = await asyncpg.connect(admin)
    try:
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return False
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        except (asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
            # Another process (a replica migrating on start) created it between our check and our create; two
            # CREATE DATABASE racing can also end in a duplicate key on pg_database's name index.
            return False
        return True
    finally:
        await conn.close()


async def drop_database(url: str) -> None:
    target = make_url(url)
    admin = asyncpg_dsn(target.set(database="postgres").render_as_string(hide_password=False))
    conn = await asyncpg.connect(admin)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)')
    finally:
        await conn.close()


class HotPool:
    """A hot path's own small asyncpg pool beside the engine's (a public endpoint answered in one statement, without
    SQLAlchemy per request): opened on first use, closed with the app. `reset`: asyncpg's reset when a connection
    goes back (None: asyncpg's own)."""

    def __init__(self, database_url: str, max_size: int = 8,
                 reset: Callable[[asyncpg.Connection], Awaitable[None]] | None = None) -> None:
        self.database_url = database_url
        self.max_size = max_size
        self.reset = reset
        self.pool: asyncpg.Pool | None = None

    async def connections(self) -> asyncpg.Pool:
        if self.pool is None:
            self.pool = await asyncpg.create_pool(asyncpg_dsn(self.database_url), min_size=1,
                                                  max_size=self.max_size, reset=self.reset)
        return self.pool

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()
            self.pool = None
