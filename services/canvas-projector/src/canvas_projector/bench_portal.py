"""`gotong bench portal`: every public portal page over real HTTP, with 1,000,000 payments in the log.

A scratch database (embedded PostgreSQL unless DATABASE_URL is set) gets the projector's read model by bulk COPY:
payments spread over provinces and regencies by population, four programs and twelve monthly periods (a few
returned and failed), their leaves and complete-subtree nodes, checkpoints really signed as the log grew (each
proved consistent with the last), the register's households and the CSR, enterprise and partnership replicas.
Then the portal's app runs under uvicorn in a subprocess as `gotong serve` runs it (one process, uvloop and
httptools, so one core; `--workers N` runs N; consumers off: nothing changes while it is measured).

How the load is made: `--load-processes` separate client processes (2 by default; none of them the bench's own,
which only hands out the requests and gathers the figures) share `--concurrency` keep-alive HTTP/1.1 connections
(50: 25 each), each a small raw-asyncio client that sends its next GET when the last answer has been read whole
(Content-Length or chunked) and times it from the first byte written to the last byte read. Each page's requests
are drawn beforehand (those that take an argument get a different one each request) and split over the processes,
which start together. On a 2-core machine the server, the client processes and PostgreSQL share the two cores:
the figures are those of a saturated machine, not of the server alone.

Goal per page: p99 < 100 ms. Baselines in the same run: the static stylesheet through the same server and client,
and a raw PostgreSQL `SELECT 1` at the same concurrency (from the bench's process, asyncpg)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import multiprocessing
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import click
import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI

from canvas_projector.adapters.transparency_log import TransparencyLogTable
from canvas_projector.application import transparency
from canvas_projector.domain import merkle
from canvas_projector.domain.transparency import TransparencyLog, canonical, record_key
from gotong.adapters.sql import Database
from gotong.bench.harness import Timer, console, scratch_database
from gotong.db import asyncpg_dsn, create_engine
from gotong.reference import regency_population

GOAL_MS = 100.0
PROGRAMS = {  # code: (name, funding source, rupiah per month)
    "PKH": ("Program Keluarga Harapan", "apbn", 750_000),
    "BPNT": ("Bantuan Pangan Non-Tunai", "apbn", 200_000),
    "PIP": ("Program Indonesia Pintar", "apbn", 450_000),
    "PANGAN-CSR": ("Pangan dari Dana CSR", "csr", 150_000),
}
#: Twelve monthly periods of 2026: a household is paid by one or two programs in some of them.
PERIODS = [f"2026-{m:02d}" for m in range(1, 13)]
ORIGIN, KEY_NAME = "bench.gotong.id/disbursements/v1", "bench.gotong.id"


@dataclass
class Figures:
    """What one page answered under load."""

    name: str
    requests: int
    seconds: float
    latencies: list[float]
    bytes: int

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else float("inf")


# -- the data -------------------------------------------------------------------------------------------------

def _regencies(rng: random.Random) -> Callable[[], str]:
    """A regency code drawn by 2025 population (a realistic spread over 38 provinces and 514 regencies)."""
    population = regency_population()
    codes = sorted(population)
    weights = [population[c] for c in codes]
    cumulative = [0] * len(weights)
    total = 0
    for i, w in enumerate(weights):
        total += w
        cumulative[i] = total
    return lambda: rng.choices(codes, cum_weights=cumulative, k=1)[0]


def generate(payments: int, seed: int = 16) -> tuple[list[bytes], list[str], list[tuple[str, str]], list[str],
                                                      list[tuple[str, str, int]]]:
    """(leaves in log order, their record keys, (payment id, household) pairs, payment ids, households as (ref,
    regency, desil)).
    Each household is paid by one or two programs over a run of months; about 1 payment in 200 is returned
    afterwards and 1 in 100 failed before a paid retry (a new attempt)."""
    rng = random.Random(seed)
    regency = _regencies(rng)
    codes = list(PROGRAMS)
    leaves: list[bytes] = []
    keys: list[str] = []
    households: list[tuple[str, str, int]] = []
    pairs: list[tuple[str, str]] = []
    ids: list[str] = []
    base = datetime(2026, 1, 5, 2, tzinfo=UTC)
    hh = 0
    while len(leaves) < payments:
        hh += 1
        ref, region, desil = f"hh_{hh:08x}", regency(), rng.choice((1, 1, 2, 2, 3, 3, 4, 5))
        households.append((ref, region, desil))
        village = f"{region}.01.2001"
        own = rng.sample(codes, rng.choice((1, 1, 2)))
        first = rng.randrange(0, 9)
        for month in range(first, min(12, first + rng.randrange(2, 8))):
            for code in own:
                if len(leaves) >= payments:
                    break
                payment_id = UUID(int=rng.getrandbits(128), version=4).hex
                at = base + timedelta(days=30 * month, minutes=rng.randrange(0, 20 * 24 * 60))
                record: dict[str, Any] = {
                    "payment_id": payment_id, "attempt": 1, "program_id": code.lower(), "program_code": code,
                    "cycle_id": f"{code}-{PERIODS[month]}", "period": PERIODS[month],
                    "amount": PROGRAMS[code][2], "region_code": village, "desil": desil, "status": "paid",
                    "occurred_at": at.isoformat().replace("+00:00", "Z")}
                roll = rng.random()
                if roll < 0.01 and len(leaves) + 1 < payments:  # failed, then paid on a second attempt
                    leaves.append(canonical({**record, "status": "failed"}))
                    keys.append(record_key(payment_id, 1, "failed"))
                    record["attempt"] = 2
                    record["occurred_at"] = (at + timedelta(days=2)).isoformat().replace("+00:00", "Z")
                leaves.append(canonical(record))
                keys.append(record_key(payment_id, int(record["attempt"]), "paid"))
                pairs.append((payment_id, ref))
                ids.append(payment_id)
                if 0.01 <= roll < 0.015 and len(leaves) < payments:  # returned a week later
                    leaves.append(canonical({**record, "status": "returned", "occurred_at": (
                        at + timedelta(days=7)).isoformat().replace("+00:00", "Z")}))
                    keys.append(record_key(payment_id, int(record["attempt"]), "returned"))
    return leaves, keys, pairs, ids, households


async def fill(url: str, payments: int, tlog: TransparencyLog, checkpoints: int = 8) -> dict[str, Any]:
    """Bulk COPY of the read model; checkpoints signed by the log's own code as it grows. Returns what the
    load needs (payment ids, log size, regency codes)."""
    with Timer() as t_gen:
        leaves, keys, pairs, ids, households = generate(payments)
        tree = merkle.MemoryTree()
        for data in leaves:
            tree.append(data)
    console.print(f"  generated {len(leaves):,} leaves ({len(ids):,} payments, {len(households):,} households) and "
                  f"their tree in {t_gen.seconds:.1f} s")
    engine = create_engine(url, pool_size=2)
    database = Database(engine)
    size = len(leaves)
    appended = datetime.now(UTC)
    try:
        with Timer() as t_copy:
            async with database.transaction() as sql:
                await sql.copy("tlog_payment_households", pairs, ("payment_id", "household_ref"))
            # the log grows in steps; after each one a checkpoint is signed (consistent with the one before)
            steps = sorted({size * (i + 1) // checkpoints for i in range(checkpoints)} - {0})
            start = 0
            for i, end in enumerate(steps):
                rows = [(idx, keys[idx], keys[idx].split(":", 1)[0], leaves[idx]) for idx in range(start, end)]
                # the complete subtrees that end in this step: (j + 1) * 2**level in (start, end]
                nodes = [(level, j, tree.node(level, j)) for level in range(end.bit_length())
                         for j in range(start >> level, end >> level)]
                async with database.transaction() as sql:
                    await sql.copy("tlog_leaves", rows, ("idx", "record_key", "payment_id", "leaf"))
                    await sql.copy("tlog_nodes", nodes, ("level", "idx", "hash"))
                    signed = await transparency.sign_checkpoint(TransparencyLogTable(sql), tlog)
                    assert signed is not None
                    assert signed.size == end
                    assert signed.root == merkle.root(tree, end)
                    # the history looks like a log that grew over the year
                    await sql.execute("UPDATE tlog_checkpoints SET signed_at = $1 WHERE size = $2",
                                      appended - timedelta(days=30 * (len(steps) - 1 - i)), end)
                start = end
            await _replicas(database, households)
            async with database.transaction() as sql:
                for table in ("tlog_leaves", "tlog_nodes", "tlog_payment_households", "proj_registry_households"):
                    await sql.execute(f"ANALYZE {table}")
        console.print(f"  COPY of the read model, {len(steps)} checkpoints signed: {t_copy.seconds:.1f} s")
    finally:
        await engine.dispose()
    return {"ids": ids, "size": size, "regencies": sorted({h[1] for h in households})}


async def _replicas(database: Database, households: list[tuple[str, str, int]]) -> None:
    """Programs, the register (every paid household and as many again not paid), CSR companies and flows,
    social enterprises and their reports, Triple Helix partners and projects."""
    rng = random.Random(7)
    at = datetime(2025, 12, 1, tzinfo=UTC)
    register = [(ref, 1, region[:2], region, "verified" if rng.random() < 0.9 else "under_review", desil, "false",
                 at) for ref, region, desil in households]
    register += [(f"nr_{i:08x}", 1, region[:2], region, "verified", rng.randrange(1, 11), "false", at)
                 for i, (_, region, _) in enumerate(households)]
    companies = [(f"co-{i}", f"PT Bench Sejahtera {i}", rng.choice(("mining", "banking", "retail")),
                  "true" if i % 3 == 0 else "false", at) for i in range(60)]
    flows = []
    for i in range(600):
        company = f"co-{i % 60}"
        kind = ("pledge", "deposit", "allocation", "spending")[i % 4]
        flows.append((f"flow-{i}", kind, company, rng.randrange(10, 500) * 1_000_000, "PANGAN-CSR" if
                      kind in ("allocation", "spending") else None, at + timedelta(days=i % 300)))
    enterprises = [(f"se-{i}", f"Koperasi Bench {i}", "koperasi", region[:2], region, "poor_households",
                    "disabled", "active", at) for i, region in enumerate(h[1] for h in households[:120])]
    reports = [(f"se-{i}", "2026-Q3", 1, "2026-09-30", rng.randrange(50, 500) * 1_000_000,
                rng.randrange(50, 500) * 1_000_000, rng.randrange(0, 50) * 1_000_000, rng.randrange(3, 40),
                rng.randrange(0, 10), rng.randrange(10, 300), at + timedelta(days=300)) for i in range(120)]
    partners = [(f"pa-{i}", f"Mitra {i}", ("government", "campus", "industry")[i % 3], "institution",
                 households[i][1][:2], "true", at) for i in range(90)]
    projects = [(f"pr-{i}", 1, f"Proyek Bench {i}", "active", households[i][1][:2], rng.randrange(1, 50) * 10**8,
                 f"pa-{i},pa-{i + 1},pa-{i + 2}", "government,campus,industry" if i % 4 else "government,industry",
                 "true" if i % 4 else "false", 10**8, rng.randrange(0, 10) * 10**7, 0, at) for i in range(40)]
    async with database.transaction() as sql:
        for code, (name, funding, _) in PROGRAMS.items():
            await sql.execute("INSERT INTO proj_programs (program_id, code, name, funding_source, "
                              "eligibility_summary, defined_at) VALUES ($1, $2, $3, $4, $5, $6)",
                              code.lower(), code, name, funding, "desil 1-4", at)
        await sql.copy("proj_registry_households", register, ("household_ref", "version", "province_code",
                       "regency_code", "verification", "desil", "erased", "changed_at"))
        await sql.copy("proj_companies", companies, ("company_id", "name", "sector", "tjsl_mandatory",
                                                     "registered_at"))
        await sql.copy("proj_csr_flows", flows, ("flow_key", "kind", "company_id", "amount", "counterpart",
                                                 "occurred_at"))
        await sql.copy("proj_enterprises", enterprises, ("enterprise_id", "name", "legal_form", "province_code",
                       "regency_code", "groups_served", "groups_employed", "status", "registered_at"))
        await sql.copy("proj_enterprise_reports", reports, (
            "enterprise_id", "period", "version", "period_end", "earned_revenue", "total_expenses",
            "grants_received", "employees", "employees_vulnerable", "beneficiaries", "accepted_at"))
        await sql.copy("proj_partners", partners, ("partner_id", "name", "strand", "kind", "province_code", "active",
                                                   "registered_at"))
        await sql.copy("proj_projects", projects, ("project_id", "version", "title", "status", "province_code",
                       "budget", "partner_ids", "strands_present", "helix_complete", "committed", "delivered",
                       "milestones_overdue", "changed_at"))


# -- the server and the load ----------------------------------------------------------------------------------

def portal_app() -> FastAPI:
    """The app `gotong serve canvas-projector` runs, without consumers (uvicorn factory for the bench)."""
    from canvas_projector.bootstrap import create_app

    return create_app(consumers=False)


def pages(data: dict[str, Any], rng: random.Random) -> list[tuple[str, Callable[[], str]]]:
    """Every portal page with its query (those that take an argument get a different one each request)."""
    ids, size, regencies = data["ids"], data["size"], data["regencies"]
    provinces = sorted({r[:2] for r in regencies})
    codes = list(PROGRAMS)

    def fixed(path: str) -> Callable[[], str]:
        return lambda: path

    return [
        ("/", fixed("/")), ("/?lang=en", fixed("/?lang=en")),
        ("/kanvas", fixed("/kanvas")), ("/kanvas?program=PKH", fixed("/kanvas?program=PKH")),
        ("/kanvas?as_of=2026-06-30", fixed("/kanvas?as_of=2026-06-30")), ("/kanvas.svg", fixed("/kanvas.svg")),
        ("/peta", fixed("/peta")), ("/peta?level=regency&measure=per_household",
                                    fixed("/peta?level=regency&measure=per_household")),
        ("/peta.svg?program=BPNT", fixed("/peta.svg?program=BPNT")),
        ("/verifikasi", fixed("/verifikasi")),
        ("/verifikasi/konteks?region=...", lambda: f"/verifikasi/konteks?region={rng.choice(regencies)}.01.2001"
                                                   f"&program={rng.choice(codes)}&size={size}"),
        ("/checkpoint", fixed("/checkpoint")),
        ("/program/{code}", lambda: f"/program/{rng.choice(codes)}"),
        ("/wilayah", fixed("/wilayah")), ("/wilayah/{province}", lambda: f"/wilayah/{rng.choice(provinces)}"),
        ("/csr", fixed("/csr")), ("/usaha-sosial", fixed("/usaha-sosial")), ("/kemitraan", fixed("/kemitraan")),
        ("/canvas (API)", fixed("/canvas")),
        ("/opendata/payments-by-province.csv", fixed("/opendata/payments-by-province.csv")),
        ("/opendata/payments-by-province.json", fixed("/opendata/payments-by-province.json")),
        ("/opendata/csr-companies.csv", fixed("/opendata/csr-companies.csv")),
        ("/opendata/iati-activities.xml", fixed("/opendata/iati-activities.xml")),
        ("/transparency/checkpoint", fixed("/transparency/checkpoint")),
        ("/transparency/checkpoints", fixed("/transparency/checkpoints")),
        ("/transparency/key", fixed("/transparency/key")),
        ("/transparency/proof/inclusion", lambda: f"/transparency/proof/inclusion?index={rng.randrange(size)}"
                                                  f"&size={size}"),
        ("/transparency/proof/consistency", lambda: f"/transparency/proof/consistency?old="
                                                    f"{rng.randrange(1, size)}&new={size}"),
        ("/transparency/receipts/{id}", lambda: f"/transparency/receipts/{rng.choice(ids)}?status=paid"),
    ]


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One HTTP/1.1 answer off a keep-alive connection: (status, body), the body by Content-Length or chunked."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    headers = {name.strip().lower(): value.strip() for name, _, value in
               (line.partition(b":") for line in lines[1:] if line)}
    if b"content-length" in headers:
        return status, await reader.readexactly(int(headers[b"content-length"]))
    if headers.get(b"transfer-encoding", b"").lower() != b"chunked":
        return status, b""
    chunks = []
    while size := int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16):
        chunks.append(await reader.readexactly(size))
        await reader.readexactly(2)
    await reader.readuntil(b"\r\n")
    return status, b"".join(chunks)


async def _drive(host: str, port: int, targets: list[str], connections: int,
                 start_at: float) -> tuple[list[float], int, list[str], float, float]:
    """`targets` over `connections` keep-alive connections, each sending its next GET when the last answer is in:
    (latencies, body bytes, failures, first start, last end) on the machine's monotonic clock."""
    remaining = iter(targets)
    latencies: list[float] = []
    failures: list[str] = []
    size = 0
    opened = [await asyncio.open_connection(host, port) for _ in range(connections)]
    await asyncio.sleep(max(0.0, start_at - time.perf_counter()))  # every process starts together
    began = time.perf_counter()

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal size
        for target in remaining:
            started = time.perf_counter()
            writer.write(f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: */*\r\n\r\n".encode())
            status, body = await _answer(reader)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                failures.append(f"{target} answered {status}: {body[:200]!r}")
            size += len(body)

    await asyncio.gather(*(connection(r, w) for r, w in opened))
    ended = time.perf_counter()
    for _, writer in opened:
        writer.close()
    return latencies, size, failures, began, ended


def drive(host: str, port: int, targets: list[str], connections: int,
          start_at: float) -> tuple[list[float], int, list[str], float, float]:
    """`_drive` in a client process of its own (the pool's entry point)."""
    return asyncio.run(_drive(host, port, targets, connections, start_at))


def ready(_: int) -> int:
    """A client process is up (the pool's warm-up)."""
    return os.getpid()


class Load:
    """Client processes that drive the server; the bench's process only hands out requests and gathers figures."""

    def __init__(self, base: str, processes: int) -> None:
        host, _, port = base.removeprefix("http://").partition(":")
        self.host, self.port, self.processes = host, int(port), processes
        self.pool = concurrent.futures.ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))
        # every process started and this module imported before anything is timed
        list(self.pool.map(ready, range(processes * 4)))

    def close(self) -> None:
        self.pool.shutdown(cancel_futures=True)

    async def run(self, name: str, path: Callable[[], str], requests: int, concurrency: int) -> Figures:
        """`requests` GETs over `concurrency` connections spread over the client processes."""
        targets = [path() for _ in range(requests)]
        shares = [n for n in (concurrency // self.processes + (i < concurrency % self.processes)
                              for i in range(self.processes)) if n]
        cut = [requests * sum(shares[:i]) // concurrency for i in range(len(shares) + 1)]
        start_at = time.perf_counter() + 0.5  # time for every process to open its connections
        loop = asyncio.get_running_loop()
        done = await asyncio.gather(*(loop.run_in_executor(self.pool, drive, self.host, self.port,
                                                           targets[cut[i]:cut[i + 1]], shares[i], start_at)
                                      for i in range(len(shares))))
        failures = [f for d in done for f in d[2]]
        if failures:
            raise RuntimeError(f"{len(failures)} of {requests} requests failed, e.g. {failures[0]}")
        seconds = max(d[4] for d in done) - min(d[3] for d in done)
        return Figures(name, requests, seconds, [x for d in done for x in d[0]], sum(d[1] for d in done))


async def raw_select(url: str, requests: int, concurrency: int) -> Figures:
    """The floor under any page: one `SELECT 1` round trip, `concurrency` at a time, from a pool."""
    pool = await asyncpg.create_pool(asyncpg_dsn(url), min_size=concurrency, max_size=concurrency)
    latencies: list[float] = []
    remaining = iter(range(requests))

    async def worker() -> None:
        for _ in remaining:
            started = time.perf_counter()
            async with pool.acquire() as conn:
                await conn.fetchval("SELECT 1")
            latencies.append(time.perf_counter() - started)

    try:
        with Timer() as t:
            await asyncio.gather(*(worker() for _ in range(concurrency)))
    finally:
        await pool.close()
    return Figures("raw PostgreSQL SELECT 1 (baseline)", requests, t.seconds, latencies, 0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def serve(url: str, key_pem: str, workers: int = 1, pool: int = 10) -> AsyncIterator[str]:
    """uvicorn on the portal's app as `gotong serve` runs it (one process, uvloop and httptools when installed), or
    `workers` processes, with a database pool of `pool` connections per process (DATABASE_POOL_SIZE); yields its
    base URL."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "TLOG_SIGNING_KEY": key_pem, "TLOG_ORIGIN": ORIGIN,
           "TLOG_KEY_NAME": KEY_NAME, "RELAY_ENABLED": "false", "AUTH_REQUIRED": "false",
           "RATE_LIMIT_PER_MINUTE": "1000000000", "RATE_LIMIT_BURST": "1000000000", "LOG_LEVEL": "WARNING",
           "TLOG_SEAL_INTERVAL_S": "3600", "OTEL_SDK_DISABLED": "true", "DATABASE_POOL_SIZE": str(pool)}
    server = subprocess.Popen(  # noqa: ASYNC220 - started once, before anything is measured
        [sys.executable, "-m", "uvicorn", "--factory", "canvas_projector.bench_portal:portal_app", "--host",
         "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
         "--no-proxy-headers",  # as `gotong serve` runs it unless FORWARDED_ALLOW_IPS names proxies
         "--timeout-keep-alive", "3600",  # idle clients wait while a page is first computed
         "--workers", str(workers)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base) as probe:
            for _ in range(1200):  # a busy machine may take a minute to start it
                with contextlib.suppress(httpx.HTTPError):
                    if (await probe.get("/healthz")).status_code == 200:
                        break
                if server.poll() is not None:
                    raise RuntimeError(f"the portal's server stopped ({server.returncode})")
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError("the portal did not answer /healthz within 120 s")
        yield base
    finally:
        server.terminate()
        server.wait(30)


@contextlib.contextmanager
def postgres() -> Iterator[str]:
    """DATABASE_URL if set, else an embedded PostgreSQL (fsync on, like production). No broker: nothing here
    consumes a topic."""
    from gotong.infra.embedded import EmbeddedPostgres

    given = os.environ.get("DATABASE_URL")
    if given:
        yield given
        return
    tmp = Path(tempfile.mkdtemp(prefix="gotong-bench-portal-"))
    pg = EmbeddedPostgres(tmp / "pgdata", fsync=True).start()
    try:
        yield pg.url
    finally:
        pg.stop()
        shutil.rmtree(tmp, ignore_errors=True)


async def bench_portal(payments: int, concurrency: int, requests: int, warmup: int = 1,
                       only: str | None = None, workers: int = 1, load_processes: int = 2) -> list[Figures]:
    load_avg = os.getloadavg()
    console.print(f"gotong bench portal: {payments:,} payments, {concurrency} concurrent clients in "
                  f"{load_processes} client processes, {requests:,} requests per page, server {workers} process(es) "
                  f"(load average {load_avg[0]:.2f} {load_avg[1]:.2f} {load_avg[2]:.2f}, {os.cpu_count()} CPUs)")
    key = Ed25519PrivateKey.generate()
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    tlog = TransparencyLog(ORIGIN, KEY_NAME, key)
    results: list[Figures] = []
    first: dict[str, float] = {}
    rng = random.Random(3)
    with postgres() as server_url:
        async with scratch_database(server_url, "bench_portal", "canvas-projector") as url:
            data = await fill(url, payments, tlog)
            results.append(await raw_select(url, requests, concurrency))
            # a pool as large as the clients: the kit's pool closes every connection past `pool` when it comes
            # back, so a smaller one connects and disconnects PostgreSQL on most requests that read the database
            async with serve(url, key_pem, workers, pool=max(10, -(-concurrency // workers))) as base:
                load = Load(base, load_processes)
                try:
                    targets: list[tuple[str, Callable[[], str]]] = [
                        ("/static/style.css (baseline)", lambda: "/static/style.css"), *pages(data, rng)]
                    if only:
                        targets = [t for t in targets if only in t[0] or "baseline" in t[0]]
                    for name, path in targets:
                        # the first answer after start (what a cold server pays once), then a warm-up
                        first[name] = (await load.run(name, path, 1, 1)).latencies[0] * 1000
                        if warmup:
                            await load.run(name, path, min(requests, concurrency * warmup), concurrency)
                        figures = await load.run(name, path, requests, concurrency)
                        results.append(figures)
                        console.print(f"  {name}: first {first[name]:,.0f} ms; {figures.rate:,.0f} req/s, "
                                      f"p50 {figures.quantile(0.5):,.1f} ms, p99 {figures.quantile(0.99):,.1f} ms")
                finally:
                    load.close()
    report(results, first, concurrency, load_avg)
    return results


def report(results: list[Figures], first: dict[str, float], concurrency: int,
           load_avg: tuple[float, float, float]) -> None:
    from rich.table import Table

    table = Table(title=f"gotong bench portal — {concurrency} concurrent clients; goal p99 < {GOAL_MS:.0f} ms")
    for col in ("page", "requests", "req/s", "p50 ms", "p99 ms", "first ms", "KiB", "goal p99 < 100 ms"):
        table.add_column(col, justify="left" if col == "page" else "right")
    missed = []
    for f in results:
        p99 = f.quantile(0.99)
        baseline = "baseline" in f.name
        met = "" if baseline else ("met" if p99 < GOAL_MS else "NOT met")
        if met == "NOT met":
            missed.append(f.name)
        table.add_row(f.name, f"{f.requests:,}", f"{f.rate:,.0f}", f"{f.quantile(0.5):,.1f}", f"{p99:,.1f}",
                      f"{first[f.name]:,.0f}" if f.name in first else "",
                      f"{f.bytes / max(1, f.requests) / 1024:,.1f}" if f.bytes else "", met)
    console.print(table)
    static = next((f for f in results if f.name.startswith("/static")), None)
    pages_only = [f for f in results if "baseline" not in f.name]
    if static and pages_only:
        worst = max(pages_only, key=lambda f: f.quantile(0.99))
        console.print(f"ratio worst page p99 / static page p99: "
                      f"{worst.quantile(0.99) / max(static.quantile(0.99), 1e-9):.1f}x ({worst.name}); median page "
                      f"req/s / static req/s: {statistics.median(f.rate for f in pages_only) / static.rate:.2f}x")
    console.print(f"goal every portal page p99 < {GOAL_MS:.0f} ms at {concurrency} concurrent clients: "
                  + ("met" if not missed else f"NOT met ({len(missed)} of {len(pages_only)} pages: "
                     + ", ".join(missed) + ")")
                  + f" — load average at start {load_avg[0]:.2f}, at end {os.getloadavg()[0]:.2f}")


@click.command("portal")
@click.option("--payments", default=1_000_000, show_default=True, help="Payments in the log.")
@click.option("--concurrency", default=50, show_default=True, help="Concurrent HTTP clients.")
@click.option("--requests", default=1000, show_default=True, help="Requests per page.")
@click.option("--page", "only", default=None, help="Only the pages whose name contains this (and the baselines).")
@click.option("--workers", default=1, show_default=True,
              help="Server processes (`gotong serve` runs one: one core).")
@click.option("--load-processes", default=2, show_default=True,
              help="Client processes sharing the concurrent connections.")
def portal(payments: int, concurrency: int, requests: int, only: str | None, workers: int,
           load_processes: int) -> None:
    """Every portal page over HTTP with a million payments in the log: req/s, p50, p99 (goal p99 < 100 ms)."""
    asyncio.run(bench_portal(payments, concurrency, requests, only=only, workers=workers,
                             load_processes=load_processes))
