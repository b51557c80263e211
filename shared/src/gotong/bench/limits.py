"""`gotong bench limits`: what a shared rate limit (`gotong.api.shared_limits`) costs per request, against the
least any counter shared through PostgreSQL costs, in the same run on the same server.

* ours: `SharedLimiter.take_on` (the GCRA upsert in the unlogged `rate_limits`), `concurrency` clients at once,
  spread over many addresses (a country's citizens) and all on one address (a flood: one hot row);
* theirs: a plain counter upsert (`INSERT ... ON CONFLICT DO UPDATE SET n = n + 1`) on an unlogged table with
  the same key, and a `SELECT 1` round trip (the floor).

Rounds alternate so that both see the same load on a shared machine. Goal: the limiter costs no more than a plain
shared counter (>= 0.8x its rate); the latency it adds to a request is printed (p50, p99).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg

from gotong.api.shared_limits import SharedLimiter, limits_metadata
from gotong.bench.harness import Report, Result, console, scratch_database
from gotong.db import asyncpg_dsn, create_engine
from gotong.infra.embedded import EmbeddedPostgres

RAW = ("INSERT INTO raw_counts AS c (key, n) VALUES ($1, 1) "
       "ON CONFLICT (key) DO UPDATE SET n = c.n + 1 RETURNING n")


@contextlib.asynccontextmanager
async def _database() -> AsyncIterator[str]:
    given = os.environ.get("DATABASE_URL")
    tmp = Path(tempfile.mkdtemp(prefix="gotong-bench-"))
    pg = None
    try:
        if not given:
            pg = EmbeddedPostgres(tmp / "pgdata", fsync=True).start()
        async with scratch_database(given or pg.url, "limits") as url:  # type: ignore[union-attr]
            yield url
    finally:
        if pg is not None:
            pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)


async def _load(pool: asyncpg.Pool, one: Callable[[asyncpg.Connection, bytes], Awaitable[object]],
                keys: list[bytes], requests: int, concurrency: int) -> tuple[float, list[float]]:
    counter = iter(range(requests))
    latencies: list[float] = []

    async def worker() -> None:
        async with pool.acquire() as conn:
            for i in counter:
                t0 = time.perf_counter()
                await one(conn, keys[i % len(keys)])
                latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - t0, latencies


async def bench_limits(requests: int = 20_000, concurrency: int = 16, addresses: int = 100_000) -> Report:
    report = Report("gotong bench limits")
    limiter = SharedLimiter("bench", 10**9, 10**9, secret=lambda _: "bench" * 8, local=False)
    many = [hashlib.sha256(f"198.51.{i // 256}.{i % 256}".encode()).digest() for i in range(addresses)]
    hot = [many[0]]
    async with _database() as url:
        engine = create_engine(url, pool_size=1)
        async with engine.begin() as sa_conn:
            await sa_conn.run_sync(limits_metadata.create_all)  # the limiter's own tables, as services have them
        await engine.dispose()
        conn = await asyncpg.connect(asyncpg_dsn(url))
        await conn.execute("CREATE UNLOGGED TABLE raw_counts (key bytea PRIMARY KEY, n bigint NOT NULL)")
        await conn.close()
        pool = await asyncpg.create_pool(asyncpg_dsn(url), min_size=concurrency, max_size=concurrency)
        try:
            async def ours(c: asyncpg.Connection, key: bytes) -> object:
                return await limiter.take_on(c, key)

            async def theirs(c: asyncpg.Connection, key: bytes) -> object:
                return await c.fetchrow(RAW, key)

            async def floor(c: asyncpg.Connection, key: bytes) -> object:
                return await c.fetchval("SELECT 1")

            runs = {"limiter, many addresses": (ours, many), "counter upsert, many addresses": (theirs, many),
                    "limiter, one address (a flood)": (ours, hot), "counter upsert, one address": (theirs, hot),
                    "SELECT 1 round trip": (floor, hot)}
            for fn, keys in runs.values():  # warm up: the rows exist, the plans are cached
                await _load(pool, fn, keys, min(2000, requests), concurrency)
            seconds = dict.fromkeys(runs, 0.0)
            latencies: dict[str, list[float]] = {name: [] for name in runs}
            rounds = 5
            for _ in range(rounds):
                for name, (fn, keys) in runs.items():
                    spent, lat = await _load(pool, fn, keys, requests // rounds, concurrency)
                    seconds[name] += spent
                    latencies[name] += lat
            for name in runs:
                report.add(Result(name, requests // rounds * rounds, seconds[name], "requests"))
                lat = sorted(latencies[name])
                console.print(f"    {name}: p50 {lat[len(lat) // 2] * 1000:.2f} ms, "
                              f"p99 {lat[int(len(lat) * 0.99)] * 1000:.2f} ms")
        finally:
            await pool.close()
    report.ratio("limiter / counter upsert, many addresses", "limiter, many addresses",
                 "counter upsert, many addresses", goal=0.8)
    report.ratio("limiter / counter upsert, one address", "limiter, one address (a flood)",
                 "counter upsert, one address", goal=0.8)
    report.ratio("limiter / SELECT 1 round trip", "limiter, many addresses", "SELECT 1 round trip")
    report.print()
    ratio = report.results["limiter, many addresses"].rate / report.results["counter upsert, many addresses"].rate
    console.print(f"goal shared limiter >= 0.8x a plain shared counter upsert: {'met' if ratio >= 0.8 else 'NOT met'} "
                  f"({ratio:.2f}x)")
    return report


