"""The status check's connections: a free list that never hands out more than its size, reuses a connection after
PostgreSQL's own error, and closes (never reuses) one whose statement was cut short or whose server went away."""

import asyncio

import asyncpg
import pytest

from gotong.db import asyncpg_dsn
from registry.adapters.status import StatusPool


async def test_more_requests_than_connections_wait_their_turn(database_url):
    pool = StatusPool(database_url, max_size=2)
    try:
        rows = await asyncio.gather(*(pool.fetchrow("SELECT pg_backend_pid() AS pid, $1::int AS n, pg_sleep(0.01)", i)
                                      for i in range(20)))
        assert [r["n"] for r in rows] == list(range(20))
        assert len({r["pid"] for r in rows}) == 2
        assert pool._open == 2
    finally:
        await pool.close()


async def test_postgresqls_own_error_leaves_the_connection_in_use(database_url):
    pool = StatusPool(database_url, max_size=2)
    try:
        pid = await pool.fetchrow("SELECT pg_backend_pid() AS pid")
        with pytest.raises(asyncpg.DivisionByZeroError):
            await pool.fetchrow("SELECT 1 / $1::int", 0)
        assert await pool.fetchrow("SELECT pg_backend_pid() AS pid") == pid
        assert pool._open == 1
    finally:
        await pool.close()


async def test_a_cancelled_statement_closes_its_connection_and_a_fresh_one_serves_the_next(database_url):
    pool = StatusPool(database_url, max_size=1)
    try:
        first = (await pool.fetchrow("SELECT pg_backend_pid() AS pid"))["pid"]
        slow = asyncio.create_task(pool.fetchrow("SELECT pg_sleep(30)"))
        waiting = asyncio.create_task(pool.fetchrow("SELECT pg_backend_pid() AS pid"))  # waits for the one slot
        while not pool._waiters:
            await asyncio.sleep(0)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        second = (await asyncio.wait_for(waiting, 10))["pid"]
        assert second != first
        assert pool._open == 1
    finally:
        await pool.close()


async def test_a_connection_the_server_closed_while_idle_is_passed_over(database_url):
    pool = StatusPool(database_url, max_size=1)
    admin = await asyncpg.connect(asyncpg_dsn(database_url))
    loop = asyncio.get_running_loop()
    try:
        pid = (await pool.fetchrow("SELECT pg_backend_pid() AS pid"))["pid"]
        assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
        deadline = loop.time() + 30
        while not pool._free[0].is_closed():  # until the client has seen the server close it
            assert loop.time() < deadline, "the client never saw its connection closed"
            await asyncio.sleep(0.01)
        again = (await pool.fetchrow("SELECT pg_backend_pid() AS pid"))["pid"]
        assert again != pid
        assert pool._open == 1
    finally:
        await admin.close()
        await pool.close()


async def test_a_connection_lost_during_its_statement_is_not_handed_out_again(database_url):
    pool = StatusPool(database_url, max_size=1)
    admin = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        pid = (await pool.fetchrow("SELECT pg_backend_pid() AS pid"))["pid"]
        slow = asyncio.create_task(pool.fetchrow("SELECT pg_sleep(30)"))
        deadline = asyncio.get_running_loop().time() + 30
        while not await admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1 AND query LIKE "
                                       "'%pg_sleep(30)%' AND state = 'active'", pid):
            assert asyncio.get_running_loop().time() < deadline, "the statement never ran"
            await asyncio.sleep(0.01)  # until the statement runs
        await admin.execute("SELECT pg_terminate_backend($1)", pid)
        with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError, OSError)):
            await asyncio.wait_for(slow, 30)
        assert (pool._open, pool._free) == (0, [])  # closed and forgotten, not put back
        again = (await pool.fetchrow("SELECT pg_backend_pid() AS pid"))["pid"]
        assert again != pid
        assert pool._open == 1
    finally:
        await admin.close()
        await pool.close()


async def test_closed_it_refuses(database_url):
    pool = StatusPool(database_url)
    await pool.fetchrow("SELECT 1")
    await pool.close()
    assert pool._open == 0
    with pytest.raises(asyncpg.InterfaceError):
        await pool.fetchrow("SELECT 1")
