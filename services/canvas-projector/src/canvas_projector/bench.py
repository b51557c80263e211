"""`gotong bench projector`: transparency-log figures — inclusion proof latency at 1,000,000 leaves (goal
< 5 ms) and the rate of sealing records into the log, against raw COPY of the same rows."""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import time
from uuid import uuid4

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.engine import make_url

from canvas_projector.tables import metadata
from canvas_projector.transparency import merkle
from canvas_projector.transparency.log import TransparencyLog, canonical
from gotong.bench.harness import Report, Result, Timer, console, servers
from gotong.db import create_engine, drop_database, ensure_database
from gotong.eventstore.model import Position
from gotong.eventstore.postgres import driver_connection
from gotong.eventstore.tables import kit_metadata


def record(i: int) -> dict[str, object]:
    return {"payment_id": f"pay-{i}", "household_ref": f"hh_{i:08x}", "program_id": "pkh", "program_code": "PKH",
            "cycle_id": "2026-Q4", "period": "2026-Q4", "amount": 750_000, "region_code": "32.73.01.1001",
            "status": "paid", "occurred_at": "2026-11-28T08:00:00Z"}


async def bench_projector(leaves: int, sealed: int, proofs: int) -> Report:
    report = Report("gotong bench projector")
    tlog = TransparencyLog("bench/log", "bench", Ed25519PrivateKey.generate())
    with servers() as srv:
        url = make_url(srv.database_url).set(database=f"bench_tlog_{uuid4().hex[:8]}").render_as_string(False)
        await ensure_database(url)
        engine = create_engine(url, pool_size=2)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(kit_metadata.create_all)
                await conn.run_sync(metadata.create_all)
            console.print(f"building a log of {leaves:,} leaves ...")
            tree = merkle.MemoryTree()
            rows = []
            for i in range(leaves):
                data = canonical(record(i))
                tree.append(data)
                rows.append((i, f"pay-{i}:paid", f"pay-{i}", data))
            nodes = [(lvl, i, h) for lvl, hashes in enumerate(tree.levels) for i, h in enumerate(hashes)]
            async with engine.begin() as conn:
                d = await driver_connection(conn)
                await d.copy_records_to_table("tlog_leaves", records=rows,
                                              columns=("idx", "record_key", "payment_id", "leaf"))
                await d.copy_records_to_table("tlog_nodes", records=nodes, columns=("level", "idx", "hash"))
                await d.execute("ANALYZE tlog_nodes")
            expected_root = merkle.root(tree, leaves)
            rng = random.Random(1)
            latencies = []
            async with engine.connect() as conn:
                d = await driver_connection(conn, begin=False)
                for _ in range(proofs):
                    index = rng.randrange(leaves)
                    started = time.perf_counter()
                    proof = await TransparencyLog.inclusion_proof(d, index, leaves)
                    latencies.append((time.perf_counter() - started) * 1000)
                    assert merkle.verify_inclusion(tree.node(0, index), index, leaves, proof, expected_root)
                await conn.rollback()
            latencies.sort()
            p50, p99 = statistics.median(latencies), latencies[int(len(latencies) * 0.99) - 1]
            console.print(f"  inclusion proof at {leaves:,} leaves (from PostgreSQL, verified): "
                          f"p50 {p50:.2f} ms, p99 {p99:.2f} ms over {proofs:,} proofs — goal < 5 ms: "
                          f"{'met' if p99 < 5 else 'NOT met'}")
            report.add(Result(f"inclusion proofs at {leaves:,} leaves", proofs, sum(latencies) / 1000, "proofs"))

            async with engine.begin() as conn:
                d = await driver_connection(conn)
                await d.copy_records_to_table(
                    "tlog_staged", records=[(f"pay-{i}:paid", 1, i, json.dumps(record(i)))
                                            for i in range(leaves, leaves + sealed)],
                    columns=("record_key", "source_tx_id", "source_position", "record"))
            with Timer() as t:
                async with engine.begin() as conn:
                    n = await tlog.seal(await driver_connection(conn), Position(1, leaves + sealed))
            assert n == sealed
            report.add(Result("seal staged records into leaves + nodes", sealed, t.seconds, "records"))
            raw_rows = [(f"pay-{i}:raw", 1, i, json.dumps(record(i))) for i in range(sealed)]
            with Timer() as t:
                async with engine.begin() as conn:
                    d = await driver_connection(conn)
                    await d.copy_records_to_table("tlog_staged", records=raw_rows,
                                                  columns=("record_key", "source_tx_id", "source_position", "record"))
            report.add(Result("raw COPY of the same records", sealed, t.seconds, "records"))
        finally:
            await engine.dispose()
            await drop_database(url)
    report.ratio("seal / raw COPY", "seal staged records into leaves + nodes", "raw COPY of the same records")
    report.print()
    return report


@click.command("projector")
@click.option("--leaves", default=1_000_000, show_default=True)
@click.option("--sealed", default=100_000, show_default=True)
@click.option("--proofs", default=2000, show_default=True)
def projector(leaves: int, sealed: int, proofs: int) -> None:
    """Transparency log: proof latency at a million leaves, sealing rate vs raw COPY."""
    asyncio.run(bench_projector(leaves, sealed, proofs))
