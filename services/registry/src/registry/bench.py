"""`gotong bench registry`: import 1,000,000 persons end to end (validated, encrypted, appended, published,
read model updated) against a raw COPY of the same rows, peak memory; then the public status check over HTTP.

The generated file is cached under ~/.cache/gotong-bench (generation is not what is measured).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import asyncpg
import click
import httpx
import orjson
import psutil
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from gotong.application.uow import UnitOfWorkFactory
from gotong.bench.harness import Report, Result, Timer, console, servers
from gotong.db import asyncpg_dsn, create_engine, drop_database
from gotong.eventstore.model import EventMetadata
from gotong.eventstore.postgres import PostgresEventStore
from gotong.messaging.relay import OutboxRelay
from gotong.messaging.topics import ensure_topics, events_topic
from gotong.migrations import migrate
from gotong.service import discover_services
from registry.adapters.civil_registry import DukcapilSimulator
from registry.adapters.crypto import KeyRing
from registry.application.commands import Deps
from registry.application.importer import import_file
from registry.application.projections import build_projectors
from registry.application.publishing import publish_contract
from registry.config import DEV_MASTER_SECRET
from registry.synthetic import households

RAW_COLUMNS = ["kk", "village_code", "address", "phone", "bank_account", "attributes", "nik", "name", "sex",
               "birth_date", "relation", "schooling", "occupation", "disability", "pregnant"]


def bench_file(persons: int, seed: int) -> tuple[Path, list[dict[str, Any]]]:
    """The cached JSON-lines file with at least `persons` persons, and a sample of its households."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "gotong-bench"
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"registry-{persons}-{seed}.jsonl"
    if not path.exists():
        console.print(f"  generating {persons:,} persons into {path} (once) ...")
        tmp = path.with_suffix(".part")
        count = 0
        with tmp.open("wb") as f:
            for row in households(10**9, seed=seed):
                f.write(orjson.dumps(row) + b"\n")
                count += len(row["members"])
                if count >= persons:
                    break
        tmp.rename(path)
    sample = []
    with path.open("rb") as f:
        for i, line in enumerate(f):
            if i % 97 == 0:
                sample.append(orjson.loads(line))
            if len(sample) >= 2000:
                break
    return path, sample


def raw_rows(path: Path, batch: int) -> Iterator[list[tuple[Any, ...]]]:
    rows: list[tuple[Any, ...]] = []
    with path.open("rb") as f:
        for line in f:
            h = orjson.loads(line)
            attrs = orjson.dumps(h["attributes"]).decode()
            for m in h["members"]:
                rows.append((h["kk"], h["village_code"], h["address"], h.get("phone"), h.get("bank_account"), attrs,
                             m["nik"], m["name"], m["sex"], m["birth_date"], m["relation"], m.get("schooling"),
                             m.get("occupation"), m.get("disability"), str(m.get("pregnant", False))))
            if len(rows) >= batch:
                yield rows
                rows = []
    if rows:
        yield rows


class PeakMemory:
    """Peak resident memory of this process and its children (the import's prepare workers) together."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.peak = 0
        self._task: asyncio.Task[None] | None = None

    def rss(self, children: list[psutil.Process]) -> int:
        total: int = self.process.memory_info().rss
        for child in children:
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
        return total

    async def _sample(self) -> None:
        children: list[psutil.Process] = []
        for tick in itertools.count():
            if tick % 20 == 0:  # finding children walks /proc: every 2 s, not every sample
                children = _python_children()
            self.peak = max(self.peak, self.rss(children))
            await asyncio.sleep(0.1)

    def __enter__(self) -> PeakMemory:
        self._task = asyncio.get_running_loop().create_task(self._sample())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task:
            self._task.cancel()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def status_check_load(base: str, sample: list[dict[str, Any]], requests: int, concurrency: int) -> list[float]:
    """`requests` status checks over `concurrency` keep-alive HTTP/1.1 connections. The client is a few lines
    of raw asyncio (pre-built requests, Content-Length framing) so that it is not what gets measured."""
    host, port = base.removeprefix("http://").split(":")
    bodies = []
    for i, h in enumerate(sample):
        head = h["members"][0]
        body = orjson.dumps({"village_code": h["village_code"], "name": head["name"]} if i % 2 else
                            {"nik": head["nik"], "name": head["name"]})
        bodies.append(b"POST /public/status-check HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
                      b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
    latencies: list[float] = []
    counter = iter(range(requests))
    found = 0

    async def worker() -> None:
        nonlocal found
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            for i in counter:
                t0 = time.perf_counter()
                writer.write(bodies[i % len(bodies)])
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                payload = await reader.readexactly(length)
                latencies.append(time.perf_counter() - t0)
                if not head.startswith(b"HTTP/1.1 200"):
                    raise RuntimeError(f"status check answered {head.split(b' ')[1].decode()}")
                found += b'"found":true' in payload
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    console.print(f"  status check: {found:,} of {requests:,} answered found (duplicated names answer not found)")
    return latencies


def _python_children() -> list[psutil.Process]:
    """This process's forked children (the import's prepare workers: same command line), not the servers."""
    me = psutil.Process()
    found = []
    for child in me.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if child.cmdline() == me.cmdline():
                found.append(child)
    return found


def _cpu_seconds() -> tuple[float, float]:
    """CPU seconds (user + system) of this process and of its finished and live python children (the workers)."""
    own = psutil.Process().cpu_times()
    children = own.children_user + own.children_system
    for child in _python_children():
        with contextlib.suppress(psutil.Error):
            t = child.cpu_times()
            children += t.user + t.system
    return own.user + own.system, children


def run_relay() -> None:
    """The relay as its own process (as in production, where the import runs beside `gotong serve`): publishes
    the events of `DATABASE_URL` to `KAFKA_BOOTSTRAP_SERVERS` with the registry's contract mapper until SIGTERM."""
    url, bootstrap = os.environ["DATABASE_URL"], os.environ["KAFKA_BOOTSTRAP_SERVERS"]

    async def run() -> None:
        engine = create_engine(url, pool_size=2)
        relay = OutboxRelay(engine, service="registry", bootstrap=bootstrap, mapper=publish_contract)
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        try:
            await relay.run(stop)
        finally:
            await relay.close()
            await engine.dispose()

    asyncio.run(run())


class RelayProcess:
    """The registry's relay in a process of its own (started with `python -c`, so that it imports this module and
    not the whole command line), and how far it has published (read from its checkpoint)."""

    def __init__(self, engine: AsyncEngine, url: str, bootstrap: str) -> None:
        self.engine, self.url, self.bootstrap = engine, url, bootstrap
        self.process: subprocess.Popen[bytes] | None = None
        self.watch = OutboxRelay(engine, service="registry", bootstrap=bootstrap, mapper=publish_contract)
        self.cpu_at_start = 0.0

    async def start(self, timeout: float = 300) -> None:
        """Start it and wait until it leads (holds its advisory lock): its start-up is not what is measured."""
        self.process = subprocess.Popen(  # noqa: ASYNC220 - started once, before the measured part
            [sys.executable, "-c", "from registry.bench import run_relay; run_relay()"],
            env={**os.environ, "DATABASE_URL": self.url, "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap})
        deadline = time.monotonic() + timeout
        while not await self._leads():
            if self.process.poll() is not None:
                raise RuntimeError(f"the relay process exited ({self.process.returncode})")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the relay process did not take its lock within {timeout}s")
            await asyncio.sleep(0.1)
        self.cpu_at_start = self._cpu()

    async def _leads(self) -> bool:
        async with self.engine.connect() as conn:
            held = await conn.exec_driver_sql(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")
            return bool(held.scalar())

    def _cpu(self) -> float:
        if self.process is not None:
            with contextlib.suppress(psutil.Error):
                t = psutil.Process(self.process.pid).cpu_times()
                return float(t.user + t.system)
        return 0.0

    def cpu_seconds(self) -> float:
        """CPU seconds since it took the lead."""
        return self._cpu() - self.cpu_at_start

    async def drained(self, timeout: float) -> None:
        """Wait until the relay's checkpoint is past every committed event. Polled against the store's head (one
        index probe); the backlog is counted only once it has reached it (counting it ten times a second while the
        relay drains was PostgreSQL work the benchmark put on the import's account)."""
        deadline = time.monotonic() + timeout
        while True:
            await self.watch.load_checkpoint()
            if self.watch.state.checkpoint >= await self.watch.follower.head() and await self.watch.lag() == 0:
                return
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError("the relay process is not running")
            if time.monotonic() > deadline:
                raise TimeoutError(f"relay still has {await self.watch.lag()} events after {timeout}s")
            await asyncio.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)


def _database_cpu_seconds(database: str) -> float:
    """CPU seconds of the PostgreSQL backends serving `database` (the import's and the relay's connections)."""
    total = 0.0
    for p in psutil.process_iter(["name", "cmdline"]):
        with contextlib.suppress(psutil.Error, TypeError):
            if p.info["name"] == "postgres" and f" {database} " in " ".join(p.info["cmdline"]) + " ":
                t = p.cpu_times()
                total += t.user + t.system
    return total


def _server_cpu_seconds(pid: int) -> float:
    """CPU seconds of the API server and its worker processes (uvicorn's `--workers`): what the status check
    costs on the server's side, read beside the PostgreSQL backends' to say how many cores a rate takes."""
    total = 0.0
    with contextlib.suppress(psutil.Error):
        server = psutil.Process(pid)
        for p in [server, *server.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                t = p.cpu_times()
                total += t.user + t.system
    return total


def server_command(port: int, server_workers: int) -> list[str]:
    """`gotong serve registry`, or for several processes uvicorn's own `--workers` on the registry's app factory
    (the kit's serve command runs one process)."""
    if server_workers <= 1:
        return [sys.executable, "-m", "gotong.cli.main", "serve", "registry", "--port", str(port)]
    return [sys.executable, "-m", "uvicorn", "--factory", "registry.bootstrap:create_app", "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(server_workers), "--no-access-log", "--log-level", "warning"]


async def bench_registry(persons: int, batch_size: int, status_requests: int, concurrency: int,
                         workers: int | None = None, server_workers: int = 1) -> Report:
    report = Report("gotong bench registry")
    path, sample = bench_file(persons, seed=7)
    with servers() as srv:
        url = make_url(srv.database_url).set(database=f"bench_registry_{uuid4().hex[:8]}").render_as_string(False)
        await migrate(discover_services()["registry"], url)
        engine = create_engine(url, pool_size=4)
        server: subprocess.Popen[bytes] | None = None
        relay: RelayProcess | None = None
        try:
            async with engine.begin() as conn:
                await conn.exec_driver_sql(f"CREATE TABLE raw_persons ({', '.join(c + ' text' for c in RAW_COLUMNS)})")
            await ensure_topics(srv.kafka_bootstrap, [events_topic("registry")])
            keyring = KeyRing.from_text(DEV_MASTER_SECRET)
            units = UnitOfWorkFactory(PostgresEventStore(engine), projectors=build_projectors(keyring))
            deps = Deps(keyring, DukcapilSimulator(seed="bench", mismatch_rate=0.01,
                                                                                 death_rate=0.002))
            relay = RelayProcess(engine, url, srv.kafka_bootstrap)
            await relay.start()
            cpu_before = _cpu_seconds()[0]
            with PeakMemory() as memory, Timer() as t_all:
                with Timer() as t_import:
                    import_task = asyncio.create_task(import_file(units, deps, path, batch_size=batch_size,
                                                                  meta=EventMetadata(actor="bench"), workers=workers))
                    workers_cpu = 0.0
                    while not import_task.done():  # the workers' CPU, read while they live
                        workers_cpu = max(workers_cpu, _cpu_seconds()[1])
                        await asyncio.wait({import_task}, timeout=5)
                    result = import_task.result()
                    main_cpu = _cpu_seconds()[0] - cpu_before
                await relay.drained(timeout=1800)
            relay_cpu = relay.cpu_seconds()
            database_cpu = _database_cpu_seconds(make_url(url).database or "")
            relay.stop()
            report.add(Result("import, committed (validated, encrypted, appended, read model)", result.persons,
                              t_import.seconds, "persons"))
            report.add(Result("import end to end (+ published on registry.events)", result.persons, t_all.seconds,
                              "persons"))
            console.print(f"  {result.imported:,} households, {result.flagged:,} flagged, {result.rejected} rejected; "
                          f"peak RSS {memory.peak / 2**20:,.0f} MiB")
            raw = await asyncpg.connect(asyncpg_dsn(url))
            with Timer() as t_raw:
                for rows in raw_rows(path, batch_size * 4):
                    async with raw.transaction():
                        await raw.copy_records_to_table("raw_persons", records=rows, columns=RAW_COLUMNS)
            await raw.close()
            report.add(Result("raw COPY of the same rows (plaintext, no checks)", result.persons, t_raw.seconds,
                              "persons"))
            ratio = report.ratio("import end to end / raw COPY", "import end to end (+ published on registry.events)",
                                 "raw COPY of the same rows (plaintext, no checks)", goal=0.25)
            rate = report.results["import end to end (+ published on registry.events)"].rate
            per = 1e6 / result.persons
            console.print(f"  CPU per person: main process {main_cpu * per:.0f} µs (import), relay process "
                          f"{relay_cpu * per:.0f} µs, prepare workers {workers_cpu * per:.0f} µs "
                          f"({workers if workers is not None else os.cpu_count()} workers), PostgreSQL backends "
                          f"{database_cpu * per:.0f} µs")
            console.print(f"goal import >= 0.25x raw COPY in the same run: {'met' if ratio >= 0.25 else 'NOT met'} "
                          f"({ratio:.3f}x); {rate:,.0f} persons/s end to end (>= 25,000/s on a quiet machine: "
                          f"{'met' if rate >= 25_000 else 'NOT met'}); peak memory {memory.peak / 2**20:,.0f} MiB "
                          f"(< 1 GB: {'met' if memory.peak < 2**30 else 'NOT met'})")

            # The status check is measured over a registry at rest: the import's tables vacuumed and analysed, as
            # autovacuum does in the minutes after a load (measured while it runs, the check shares its cores).
            vacuum = await asyncpg.connect(asyncpg_dsn(url))
            with Timer() as t_vacuum:
                await vacuum.execute("VACUUM (ANALYZE)")
            await vacuum.close()
            console.print(f"  VACUUM (ANALYZE) after the import: {t_vacuum.seconds:.1f} s (before the status check)")
            port = free_port()
            env = {**os.environ, "DATABASE_URL": url, "KAFKA_BOOTSTRAP_SERVERS": srv.kafka_bootstrap,
                   "RELAY_ENABLED": "false", "CONSUME_DISBURSEMENT": "false", "STATUS_CHECK_PER_MINUTE": "1000000000",
                   "RATE_LIMIT_PER_MINUTE": "1000000000", "RATE_LIMIT_BURST": "1000000000", "LOG_LEVEL": "WARNING"}
            server = subprocess.Popen(  # noqa: ASYNC220 - started once, before the measured part
                server_command(port, server_workers), env=env)
            base = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient(base_url=base) as probe:
                for _ in range(1200):  # a busy machine may take a minute to start it
                    with contextlib.suppress(httpx.HTTPError):
                        if (await probe.get("/healthz")).status_code == 200:
                            break
                    await asyncio.sleep(0.1)
                else:
                    raise RuntimeError("gotong serve registry did not answer /healthz within 120 s")
            await status_check_load(base, sample, min(500, status_requests), concurrency)  # warm up
            server_cpu, database_cpu = _server_cpu_seconds(server.pid), _database_cpu_seconds(
                make_url(url).database or "")
            with Timer() as t_status:
                latencies = await status_check_load(base, sample, status_requests, concurrency)
            server_cpu = _server_cpu_seconds(server.pid) - server_cpu
            database_cpu = _database_cpu_seconds(make_url(url).database or "") - database_cpu
            latencies.sort()
            report.add(Result(f"status check over HTTP ({concurrency} concurrent)", status_requests,
                              t_status.seconds, "requests"))
            p50 = latencies[len(latencies) // 2] * 1000
            p99 = latencies[int(len(latencies) * 0.99)] * 1000
            per = 1e6 / status_requests
            console.print(f"  status check latency p50 {p50:.1f} ms, p99 {p99:.1f} ms; CPU per request: API "
                          f"{server_cpu * per:.0f} µs ({server_workers} process(es)), PostgreSQL backends "
                          f"{database_cpu * per:.0f} µs; load average {os.getloadavg()[0]:.1f} "
                          f"({os.cpu_count()} cores)")
        finally:
            if relay is not None:
                relay.stop()
            if server is not None:
                server.terminate()
                server.wait(10)
            await engine.dispose()
            await drop_database(url)
    report.print()
    console.print(f"goal import >= 0.25x raw COPY: {'met' if ratio >= 0.25 else 'NOT met'} ({ratio:.3f}x, "
                  f"{rate:,.0f} persons/s); goal < 1 GB peak: {'met' if memory.peak < 2**30 else 'NOT met'} "
                  f"({memory.peak / 2**20:,.0f} MiB)")
    status_rate = report.results[f"status check over HTTP ({concurrency} concurrent)"].rate
    met = status_rate >= 2000 and p99 < 20
    console.print(f"goal status check >= 2,000 req/s with p99 < 20 ms: {'met' if met else 'NOT met'} "
                  f"({status_rate:,.0f}/s, p99 {p99:.1f} ms)")
    return report


@click.command("registry")
@click.option("--persons", default=1_000_000, show_default=True)
@click.option("--batch-size", default=2000, show_default=True, help="households per transaction")
@click.option("--status-requests", default=20_000, show_default=True)
@click.option("--concurrency", default=16, show_default=True,
              help="keep-alive connections of the load client (the goal is read at 16)")
@click.option("--workers", type=int, default=None, help="import prepare processes [default: one per core; 0: none]")
@click.option("--server-workers", default=1, show_default=True, help="API processes answering the status check")
def registry(persons: int, batch_size: int, status_requests: int, concurrency: int, workers: int | None,
             server_workers: int) -> None:
    """Registry import throughput (vs raw COPY) and public status check rate/latency."""
    asyncio.run(bench_registry(persons, batch_size, status_requests, concurrency, workers, server_workers))
