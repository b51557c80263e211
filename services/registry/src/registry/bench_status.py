"""The status-check phase of `gotong bench registry` alone, over a kept database seeded in minutes, not imported.

`gotong bench status-check seed` fills the read tables the check reads (households, person_index, name_index,
recipients) of a 1,000,000-person registry straight by COPY, with the blind keys the importer makes for the same
synthetic households the bench imports (seed 7), in an embedded PostgreSQL kept under `--home`; then
`gotong bench status-check run --server-workers 2` measures the check over HTTP as the bench does (same
server command, load client and CPU accounting), as often as wanted, without importing again. `stop` stops the
kept PostgreSQL. Not the import's figures: only the status check's.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import random
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import click
import httpx
import orjson
from sqlalchemy.engine import make_url

from gotong.db import asyncpg_dsn
from gotong.infra.embedded import EmbeddedPostgres
from gotong.migrations import migrate
from gotong.service import discover_services
from registry.adapters.crypto import KeyRing, normalise_name
from registry.bench import _database_cpu_seconds, _server_cpu_seconds, free_port, server_command, status_check_load
from registry.config import DEV_MASTER_SECRET
from registry.synthetic import households

DATABASE = "status_bench"
HOME = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "gotong-bench" / "status"
PORT = 54991
TABLES = {"households": ["household_id", "version", "village_code", "district_code", "regency_code", "province_code",
                         "verification", "members", "attributes", "pii", "desil"],
          "person_index": ["nik_hash", "household_id", "member_ref", "active", "name_check"],
          "name_index": ["match_hash", "name_hash", "household_id", "member_ref"],
          "recipients": ["household_id", "program_code", "period", "status", "amount", "payment_id"]}


def _server(home: Path) -> EmbeddedPostgres:
    return EmbeddedPostgres(home / "pgdata", port=PORT, fsync=True).start()


def _url(server: EmbeddedPostgres) -> str:
    return make_url(server.url).set(database=DATABASE).render_as_string(False)


def _copy_text(rows: list[tuple[Any, ...]]) -> io.BytesIO:
    out = io.StringIO()
    for row in rows:
        out.write("\t".join("\\N" if v is None else "\\\\x" + v.hex() if isinstance(v, bytes) else str(v)
                            for v in row) + "\n")
    return io.BytesIO(out.getvalue().encode())


async def seed(home: Path, persons: int) -> None:
    server = _server(home)
    admin = await asyncpg.connect(asyncpg_dsn(server.url))
    await admin.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
    await admin.execute(f"CREATE DATABASE {DATABASE}")
    await admin.close()
    url = _url(server)
    await migrate(discover_services()["registry"], url)
    keyring = KeyRing.from_text(DEV_MASTER_SECRET)
    rng = random.Random(3)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    rows: dict[str, list[tuple[Any, ...]]] = {table: [] for table in TABLES}
    sample: list[dict[str, Any]] = []
    count = 0
    started = time.monotonic()

    async def flush() -> None:
        for table, columns in TABLES.items():
            if rows[table]:
                await conn.copy_to_table(table, source=_copy_text(rows[table]), columns=columns, format="text")
                rows[table].clear()

    for i, row in enumerate(households(10**9, seed=7)):  # the bench's file: the same households, the same sample
        household = uuid.UUID(int=rng.getrandbits(128))
        village = row["village_code"]
        rows["households"].append((household, 1, village, village[:8], village[:5], village[:2], "verified",
                                   '[{"relation": "kepala"}]', "{}", "x" * 400, rng.randint(1, 10)))
        for m, person in enumerate(row["members"]):
            name = normalise_name(person["name"])
            rows["person_index"].append((keyring.blind("nik", person["nik"]), household, f"m{m}", "t",
                                         keyring.blind("nikname", f"{person['nik']}|{name}")))
            rows["name_index"].append((os.urandom(16), keyring.blind("name", f"{village}|{name}"), household, f"m{m}"))
        if rng.random() < 0.4:
            for period in ("2026-Q3", "2026-Q4")[: rng.randint(1, 2)]:
                rows["recipients"].append((household, "PKH", period, "paid", 750000, uuid.uuid4().hex))
        if i % 97 == 0 and len(sample) < 2000:
            sample.append(row)
        count += len(row["members"])
        if len(rows["households"]) >= 20_000:
            await flush()
            click.echo(f"  {count:,} persons, {time.monotonic() - started:.0f} s")
        if count >= persons:
            break
    await flush()
    await conn.execute("VACUUM (ANALYZE)")
    await conn.close()
    (home / "sample.json").write_bytes(orjson.dumps(sample))
    click.echo(f"seeded {count:,} persons, {time.monotonic() - started:.0f} s")


async def run(home: Path, requests: int, concurrency: int, server_workers: int) -> None:
    url = _url(_server(home))
    sample = orjson.loads((home / "sample.json").read_bytes())
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1", "RELAY_ENABLED": "false",
           "CONSUME_DISBURSEMENT": "false", "STATUS_CHECK_PER_MINUTE": "1000000000",
           "RATE_LIMIT_PER_MINUTE": "1000000000", "RATE_LIMIT_BURST": "1000000000", "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(server_command(port, server_workers), env=env)  # noqa: ASYNC220 - before the measured part
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base) as probe:
            for _ in range(1200):
                with contextlib.suppress(httpx.HTTPError):
                    if (await probe.get("/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
        await status_check_load(base, sample, min(2000, requests), concurrency)  # warm up
        api, database = _server_cpu_seconds(server.pid), _database_cpu_seconds(DATABASE)
        started = time.perf_counter()
        latencies = sorted(await status_check_load(base, sample, requests, concurrency))
        seconds = time.perf_counter() - started
        api, database = _server_cpu_seconds(server.pid) - api, _database_cpu_seconds(DATABASE) - database
        per = 1e6 / requests
        p99 = latencies[int(len(latencies) * 0.99)] * 1000
        rate = requests / seconds
        click.echo(f"status check {rate:,.0f} req/s, p50 {latencies[len(latencies) // 2] * 1000:.1f} ms, "
                   f"p99 {p99:.1f} ms; CPU per request: API {api * per:.0f} µs ({server_workers} process(es)), "
                   f"PostgreSQL {database * per:.0f} µs; {(api + database) / seconds:.2f} cores; load average "
                   f"{os.getloadavg()[0]:.1f} ({os.cpu_count()} cores); goal >= 2,000 req/s with p99 < 20 ms: "
                   f"{'met' if rate >= 2000 and p99 < 20 else 'NOT met'}")
    finally:
        server.terminate()
        server.wait(10)


@click.group()
@click.option("--home", type=click.Path(path_type=Path), default=HOME, show_default=True,
              help="where the kept PostgreSQL and the sample live")
@click.pass_context
def cli(ctx: click.Context, home: Path) -> None:
    """The public status check alone over a kept 1,000,000-person database: `seed` once, then `run`."""
    home.mkdir(parents=True, exist_ok=True)
    ctx.obj = home


@cli.command("seed")
@click.option("--persons", default=1_000_000, show_default=True)
@click.pass_obj
def seed_command(home: Path, persons: int) -> None:
    """Fill the kept database's read tables by COPY (about 2 minutes for 1,000,000 persons)."""
    asyncio.run(seed(home, persons))


@cli.command("run")
@click.option("--requests", default=20_000, show_default=True)
@click.option("--concurrency", default=16, show_default=True)
@click.option("--server-workers", default=2, show_default=True)
@click.pass_obj
def run_command(home: Path, requests: int, concurrency: int, server_workers: int) -> None:
    """Measure the check over HTTP against the goal (2,000 req/s, p99 < 20 ms at 16 connections)."""
    asyncio.run(run(home, requests, concurrency, server_workers))


@cli.command("stop")
@click.pass_obj
def stop_command(home: Path) -> None:
    """Stop the kept PostgreSQL."""
    EmbeddedPostgres(home / "pgdata", port=PORT).stop()


if __name__ == "__main__":
    cli()
