"""`gotong bench grievance`: cases submitted concurrently through the public API of a real server (uvicorn with
as many worker processes as production would run here, PostgreSQL, the broker, the relay publishing), each with its
own Idempotency-Key; cases/s and latency percentiles, against raw PostgreSQL inserts in the same run.

The public route's rate limit stays on: the bench configures it (`PUBLIC_PER_MINUTE`, as an operator would for a
trusted load client) rather than switching anything off, and the load comes from several loopback addresses
(127.0.0.2, 127.0.0.3, …), as citizens' phones would, so the limiter keeps one counter per address as in
production rather than one hot row for the whole load.

Every figure printed (cases/s, p50, p99, the raw baseline and the ratio) is computed once, below, from the same
measurements."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from uuid import uuid4

import click
import httpx
import orjson
from sqlalchemy import make_url, text

from gotong.bench.harness import Report, Result, Timer, console, servers
from gotong.db import create_engine, drop_database
from gotong.messaging.topics import dlq_topic, ensure_topics, events_topic
from gotong.migrations import migrate
from grievance.bootstrap import service


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _request(i: int) -> bytes:
    body = orjson.dumps({
        "kind": "payment_complaint" if i % 3 == 0 else "sanggah",
        "category": "not_received" if i % 3 == 0 else ("inclusion" if i % 2 else "desil"),
        "region_code": f"32.73.01.{1001 + i % 4}", "subject_ref": str(uuid4()),
        "anonymous": i % 3 != 0 and i % 4 == 0,
        "details": {"description": f"Pengaduan nomor {i}: bantuan tidak sesuai", "names": ["Warga Contoh"]},
        "reporter": {"name": "Pelapor Contoh", "phone": "081200000000"}})
    return (b"POST /public/cases HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
            b"Idempotency-Key: " + uuid4().hex.encode() + b"\r\nContent-Length: " + str(len(body)).encode()
            + b"\r\n\r\n" + body)


#: The load client's source addresses: a connection per worker, spread over this many loopback addresses.
SOURCES = 16
GOAL_RATE, GOAL_P99_MS = 500.0, 200.0


async def submit_load(base: str, requests: int, concurrency: int) -> list[float]:
    """`requests` submissions over `concurrency` keep-alive HTTP/1.1 connections (a few lines of raw asyncio, so
    that the client is not what gets measured), from SOURCES loopback addresses."""
    host, port = base.removeprefix("http://").split(":")
    prepared = [_request(i) for i in range(requests)]
    latencies: list[float] = []
    counter = iter(range(requests))

    async def worker(n: int) -> None:
        source = (f"127.0.0.{2 + n % SOURCES}", 0) if host == "127.0.0.1" else None
        reader, writer = await asyncio.open_connection(host, int(port), local_addr=source)
        try:
            for i in counter:
                t0 = time.perf_counter()
                writer.write(prepared[i])
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - t0)
                if not head.startswith(b"HTTP/1.1 201"):
                    raise RuntimeError(f"submission answered {head.split(b' ')[1].decode()}")
        finally:
            writer.close()

    await asyncio.gather(*(worker(n) for n in range(concurrency)))
    return latencies


async def raw_inserts(database_url: str, rows: int, concurrency: int) -> float:
    """The baseline: `rows` single-row INSERTs of a case-sized JSONB document, one commit each, over
    `concurrency` connections straight from asyncpg (no HTTP, no framework). Returns the seconds taken."""
    import asyncpg

    from gotong.db import asyncpg_dsn

    doc = orjson.dumps({"kind": "sanggah", "category": "inclusion", "region_code": "32.73.01.1001",
                        "sealed_details": "x" * 200, "sealed_reporter": "y" * 120}).decode()
    pool = await asyncpg.create_pool(asyncpg_dsn(database_url), min_size=concurrency, max_size=concurrency)
    try:
        await pool.execute("CREATE TABLE bench_raw (id uuid PRIMARY KEY, data jsonb NOT NULL)")
        counter = iter(range(rows))

        async def worker() -> None:
            async with pool.acquire() as conn:
                for _ in counter:
                    await conn.execute("INSERT INTO bench_raw (id, data) VALUES ($1, $2::jsonb)", uuid4(), doc)

        with Timer() as t:
            await asyncio.gather(*(worker() for _ in range(concurrency)))
        return t.seconds
    finally:
        await pool.close()


async def bench_grievance(cases: int, concurrency: int, workers: int) -> Report:
    report = Report("gotong bench grievance")
    with servers() as srv:
        url = make_url(srv.database_url).set(database=f"bench_grievance_{uuid4().hex[:8]}").render_as_string(False)
        await migrate(service, url)
        topic = events_topic("grievance")
        await ensure_topics(srv.kafka_bootstrap, [topic, dlq_topic(topic)])
        port = _free_port()
        env = {**os.environ, "DATABASE_URL": url, "KAFKA_BOOTSTRAP_SERVERS": srv.kafka_bootstrap,
               "AUTH_REQUIRED": "false", "LOG_LEVEL": "WARNING", "SLA_INTERVAL_S": "3600",
               "FOLLOW_UP_INTERVAL_S": "3600",
               # the load client's budget per address: 10,000 cases from SOURCES addresses in well under a minute
               "PUBLIC_PER_MINUTE": str(max(30, cases * 6)), "RATE_LIMIT_PER_MINUTE": str(max(600, cases * 6)),
               "RATE_LIMIT_BURST": str(max(100, concurrency * 4))}
        server = subprocess.Popen(  # noqa: ASYNC220 - started once, before the measured part
            [sys.executable, "-m", "uvicorn", "--factory", "grievance.bootstrap:create_app", "--port", str(port),
             "--log-level", "warning", "--no-access-log", "--workers", str(workers)], env=env)
        engine = create_engine(url, pool_size=1)
        try:
            base = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient(base_url=base) as probe:
                for _ in range(300):
                    with contextlib.suppress(httpx.HTTPError):
                        if (await probe.get("/readyz")).status_code == 200:
                            break
                    await asyncio.sleep(0.1)
            await submit_load(base, min(500, cases), concurrency)  # warm up
            client_cpu = time.process_time()
            with Timer() as t:
                latencies = await submit_load(base, cases, concurrency)
            client_cpu = (time.process_time() - client_cpu) / cases * 1000
            async with engine.connect() as conn:
                stored = (await conn.execute(text("SELECT count(*) FROM cases"))).scalar_one()
            latencies.sort()
            ours = report.add(Result(f"public submissions over HTTP ({concurrency} concurrent)", cases, t.seconds,
                                     "cases"))
            p50, p99 = latencies[len(latencies) // 2] * 1000, latencies[int(len(latencies) * 0.99)] * 1000
            console.print(f"  {stored:,} cases stored (with the warm-up); latency p50 {p50:.1f} ms, p99 {p99:.1f} ms; "
                          f"the load client's own CPU {client_cpu:.2f} ms a case (its own process)")
            raw = report.add(Result(f"raw PostgreSQL inserts, one commit each ({concurrency} concurrent)", cases,
                                    await raw_inserts(url, cases, concurrency), "rows"))
            report.ratio("cases/s over raw inserts/s (a case is 1 commit, of 5 rows)", ours.name, raw.name)
        finally:
            server.terminate()
            server.wait(10)
            await engine.dispose()
            await drop_database(url)
    report.print()
    rate = ours.rate
    met = rate >= GOAL_RATE and p99 < GOAL_P99_MS
    console.print(f"server: {workers} uvicorn worker process(es) on a {os.cpu_count()}-core machine shared with "
                  f"PostgreSQL, the broker and the load client; load average {os.getloadavg()[0]:.1f} at the end")
    console.print(f"goal >= {GOAL_RATE:,.0f} cases/s with p99 < {GOAL_P99_MS:,.0f} ms: {'met' if met else 'NOT met'} "
                  f"({rate:,.0f}/s, p99 {p99:.1f} ms; raw PostgreSQL {raw.rate:,.0f} inserts/s)")
    return report


@click.command("grievance")
@click.option("--cases", default=10_000, show_default=True)
@click.option("--concurrency", default=32, show_default=True, help="keep-alive connections of the load client")
@click.option("--workers", default=os.cpu_count() or 1, show_default=True,
              help="uvicorn worker processes (production runs one per core)")
def grievance(cases: int, concurrency: int, workers: int) -> None:
    """Public case submissions: cases/s and p99 latency through the HTTP API, against raw PostgreSQL inserts."""
    try:  # the load client's event loop: uvloop when installed (as uvicorn's is), so it costs the server less
        import uvloop
    except ImportError:
        asyncio.run(bench_grievance(cases, concurrency, workers))
    else:
        uvloop.run(bench_grievance(cases, concurrency, workers))
