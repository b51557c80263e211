"""`Database` keeps a cleanly ended block's connection for the next block instead of giving it back to the pool
(taking and returning it cost as much as a one-row transaction's own work), and keeps nothing it should not."""

import asyncio

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from gotong.adapters.sql import Database
from gotong.db import asyncpg_dsn, create_engine


def _checked_out(engine: AsyncEngine) -> int:
    pool = engine.sync_engine.pool
    assert isinstance(pool, QueuePool)
    return pool.checkedout()


async def _pid(db: Database) -> int:
    async with db.transaction() as sql:
        pid: int = await sql.fetchval("SELECT pg_backend_pid()")
    return pid


async def _wait_gone(database_url: str, pid: int) -> None:
    watcher = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        async with asyncio.timeout(10):
            while await watcher.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid):
                await asyncio.sleep(0.05)
    finally:
        await watcher.close()


async def test_consecutive_blocks_on_an_engine_share_one_connection_kept_out_of_the_pool(engine):
    # Two connections in the pool first: its queue is first in, first out, so going through it would alternate.
    async with engine.connect(), engine.connect():
        assert _checked_out(engine) == 2
    db, other = Database(engine), Database(engine)
    first = await _pid(db)
    assert _checked_out(engine) == 1  # kept, not back in the pool
    assert await _pid(other) == first  # every Database on the engine shares what is kept
    async with db.read() as sql:
        assert await sql.fetchval("SELECT pg_backend_pid()") == first
    async with db.statement() as sql:
        assert await sql.fetchval("SELECT pg_backend_pid()") == first
    assert _checked_out(engine) == 1


async def test_a_block_that_raises_gives_its_connection_back_to_the_pool(engine):
    db = Database(engine)
    await _pid(db)
    with pytest.raises(ZeroDivisionError):
        async with db.transaction() as sql:
            await sql.execute("SELECT 1")
            raise ZeroDivisionError
    assert _checked_out(engine) == 0
    async with db.transaction() as sql:
        assert await sql.fetchval("SELECT 2") == 2


async def test_a_connection_left_in_a_transaction_is_closed_not_reused(engine, database_url):
    db = Database(engine)
    async with db.statement() as sql:
        left_open = await sql.fetchval("SELECT pg_backend_pid()")
        await sql.execute("BEGIN")
    assert _checked_out(engine) == 0
    await _wait_gone(database_url, left_open)  # closed, so the server rolled the transaction back
    assert await _pid(db) != left_open


async def test_a_connection_the_server_closed_is_not_handed_out_again(engine, database_url):
    db = Database(engine)
    kept = await _pid(db)
    admin = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", kept)
    finally:
        await admin.close()
    await _wait_gone(database_url, kept)
    async with asyncio.timeout(10):  # the first block may meet the dead connection before asyncpg noticed
        while True:
            try:
                pid = await _pid(db)
                break
            except (asyncpg.ConnectionDoesNotExistError, asyncpg.InterfaceError, OSError):
                await asyncio.sleep(0.05)
    assert pid != kept
    assert await _pid(db) == pid


async def test_disposing_the_engine_closes_the_kept_connection(database_url):
    engine = create_engine(database_url, pool_size=4)
    kept = await _pid(Database(engine))
    await engine.dispose()
    await _wait_gone(database_url, kept)


async def test_nothing_is_kept_that_would_fill_the_pool(database_url):
    engine = create_engine(database_url, pool_size=1)
    try:
        await _pid(Database(engine))
        assert _checked_out(engine) == 0
    finally:
        await engine.dispose()
