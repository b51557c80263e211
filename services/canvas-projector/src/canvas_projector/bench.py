"""`gotong bench projector`: transparency-log figures — inclusion proof latency at 1,000,000 leaves (goal
< 5 ms) and the rate of sealing records into the log, against raw COPY of the same rows."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import random
import statistics
import time
from typing import Any
from uuid import uuid4

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from canvas_projector.adapters.transparency_log import TransparencyLogTable
from canvas_projector.application import transparency
from canvas_projector.domain import merkle
from canvas_projector.domain.transparency import TransparencyLog, canonical
from gotong.adapters.sql import Database
from gotong.bench.harness import Report, Result, Timer, console, scratch_database, servers
from gotong.db import create_engine
from gotong.eventstore.model import Position
from gotong.heap import LOOP_THRESHOLDS


def record(i: int) -> dict[str, object]:
    return {"payment_id": f"pay-{i}", "household_ref": f"hh_{i:08x}", "program_id": "pkh", "program_code": "PKH",
            "cycle_id": "2026-Q4", "period": "2026-Q4", "amount": 750_000, "region_code": "32.73.01.1001",
            "status": "paid", "occurred_at": "2026-11-28T08:00:00Z"}


async def bench_projector(leaves: int, sealed: int, proofs: int) -> Report:
    report = Report("gotong bench projector")
    with servers() as srv:
        async with scratch_database(srv.database_url, "bench_tlog", "canvas-projector") as url:
            engine = create_engine(url, pool_size=2)
            try:
                console.print(f"building a log of {leaves:,} leaves ...")
                tree = merkle.MemoryTree()
                rows = []
                for i in range(leaves):
                    data = canonical(record(i))
                    tree.append(data)
                    rows.append((i, f"pay-{i}:paid", f"pay-{i}", data))
                nodes = [(lvl, i, h) for lvl, hashes in enumerate(tree.levels) for i, h in enumerate(hashes)]
                database = Database(engine)
                async with database.transaction() as sql:
                    await TransparencyLogTable(sql).append(rows, nodes)
                    await sql.execute("ANALYZE tlog_nodes")
                expected_root = merkle.root(tree, leaves)
                rng = random.Random(1)
                latencies = []
                async with database.read() as sql:
                    log = TransparencyLogTable(sql)
                    for _ in range(proofs):
                        index = rng.randrange(leaves)
                        started = time.perf_counter()
                        proof = await transparency.inclusion_proof(log, index, leaves)
                        latencies.append((time.perf_counter() - started) * 1000)
                        assert merkle.verify_inclusion(tree.node(0, index), index, leaves, proof, expected_root)
                latencies.sort()
                p50, p99 = statistics.median(latencies), latencies[int(len(latencies) * 0.99) - 1]
                console.print(f"  inclusion proof at {leaves:,} leaves (from PostgreSQL, verified): "
                              f"p50 {p50:.2f} ms, p99 {p99:.2f} ms over {proofs:,} proofs — goal < 5 ms: "
                              f"{'met' if p99 < 5 else 'NOT met'}")
                report.add(Result(f"inclusion proofs at {leaves:,} leaves", proofs, sum(latencies) / 1000, "proofs"))

                async with database.transaction() as sql:
                    await sql.copy("tlog_staged", [(f"pay-{i}:paid", 1, i, f"pay-{i}", canonical(record(i)))
                                                   for i in range(leaves, leaves + sealed)],
                                   ("record_key", "source_tx_id", "source_position", "payment_id", "leaf"))
                with Timer() as t:
                    async with database.transaction() as sql:
                        n = await transparency.seal(TransparencyLogTable(sql), Position(1, leaves + sealed))
                assert n == sealed
                report.add(Result("seal staged records into leaves + nodes", sealed, t.seconds, "records"))
                raw_rows = [(f"pay-{i}:raw", 1, i, f"pay-{i}", canonical(record(i))) for i in range(sealed)]
                with Timer() as t:
                    async with database.transaction() as sql:
                        await sql.copy("tlog_staged", raw_rows,
                                       ("record_key", "source_tx_id", "source_position", "payment_id", "leaf"))
                report.add(Result("raw COPY of the same records", sealed, t.seconds, "records"))
            finally:
                await engine.dispose()
    report.ratio("seal / raw COPY", "seal staged records into leaves + nodes", "raw COPY of the same records")
    report.print()
    return report


async def bench_replay(events: int) -> Report:
    """Replay a topic of PaymentRecorded events from zero into the log (stage + seal + sign) vs raw consume."""
    from canvas_projector.entrypoints.consumers.transparency import (
        CONSUMER,
        FETCH_BYTES,
        MAX_BATCH,
        on_disbursement_events,
        seal_and_sign,
    )
    from gotong.eventstore import AppendRequest, EventData
    from gotong.eventstore.postgres import PostgresEventStore
    from gotong.messaging.consumer import EventConsumer
    from gotong.messaging.relay import OutboxRelay
    from gotong.messaging.topics import ensure_topics, events_topic

    report = Report("gotong bench projector (replay)")
    tlog = TransparencyLog("bench/log", "bench", Ed25519PrivateKey.generate())
    service = f"benchdisb{uuid4().hex[:6]}"
    topic = events_topic(service)
    with servers() as srv:
        async with scratch_database(srv.database_url, "bench_prod") as producer_url, \
                scratch_database(srv.database_url, "bench_proj", "canvas-projector") as url:
            await ensure_topics(srv.kafka_bootstrap, [topic], partitions=6)
            producer_engine = create_engine(producer_url, pool_size=2)
            store = PostgresEventStore(producer_engine)
            console.print(f"publishing {events:,} PaymentRecorded events ...")
            for start in range(0, events, 10_000):
                async with store.transaction() as tx:
                    await tx.append_batch([AppendRequest(uuid4(), "payment", 0, [EventData("PaymentRecorded", {
                        **record(i), "province_code": "32", "regency_code": "32.73", "desil": 1 + i % 10,
                        "funding_source": "apbn"})]) for i in range(start, min(events, start + 10_000))])
            relay = OutboxRelay(producer_engine, service=service, bootstrap=srv.kafka_bootstrap, batch_size=5000)
            await relay.drain(timeout=600)
            await relay.close()
            engine = create_engine(url, pool_size=4)
            database = Database(engine)
            try:
                # On a busy machine the raw rate moves from minute to minute: raw consume runs before and after the
                # replay, and the ratio is against both together.
                # As the service at startup (`entrypoints/api/settle.py`): what is alive now (the libraries, the
                # published events' leftovers) is frozen out of the collector's way, so that a full collection
                # walks what the replay makes, not the whole process again; and young collections as spaced as
                # the consumer's loop has them (`settle_once`), for the raw consume too.
                gc.collect()
                gc.freeze()
                gc.set_threshold(*LOOP_THRESHOLDS)
                console.print(f"  load average before: {_load()}")
                raw_n, raw_seconds = await _raw_consume(srv.kafka_bootstrap, topic, events)
                handler_cpu = [0.0]

                async def handler(conn: Any, messages: Any) -> None:
                    started = time.process_time()
                    try:
                        await on_disbursement_events(conn, messages)
                    finally:
                        handler_cpu[0] += time.process_time() - started
                consumer = EventConsumer(engine, name=CONSUMER, topics=[topic], batch_handler=handler,
                                         bootstrap=srv.kafka_bootstrap, max_batch=MAX_BATCH,
                                         max_partition_fetch_bytes=FETCH_BYTES, hold_past_watermark=True)
                # As in the service: the consumer stages (and seals what every partition has passed), while the
                # sealer seals the rest and signs every half second; done when every event is a signed leaf.
                await consumer.start()
                stop_sealing = asyncio.Event()
                sealed = 0

                async def sealer() -> None:
                    nonlocal sealed
                    assert consumer.consumer is not None
                    while sealed < events:
                        await seal_and_sign(database, tlog, len(consumer.consumer.assignment()), topic)
                        sealed = await _signed_size(database)
                        if sealed < events:
                            with contextlib.suppress(asyncio.TimeoutError):
                                await asyncio.wait_for(stop_sealing.wait(), 0.5)
                # Consuming until every event is a signed leaf (an empty poll on a busy machine is not the end).
                cpu_before = await _cpu(database)
                with Timer() as t:
                    consuming = asyncio.create_task(consumer.run(stop_sealing))
                    await asyncio.wait_for(sealer(), 900)
                stop_sealing.set()
                await consuming
                cpu_after = await _cpu(database)
                console.print(f"  CPU per event: projector {(cpu_after[0] - cpu_before[0]) / events * 1e6:.1f} us "
                              f"(the handler {handler_cpu[0] / events * 1e6:.1f} us), "
                              f"PostgreSQL {(cpu_after[1] - cpu_before[1]) / events * 1e6:.1f} us "
                              f"(load average {_load()})")
                report.add(Result("replay into the log (consume + stage, seal + sign alongside)", events, t.seconds,
                                  "events"))
                more_n, more_seconds = await _raw_consume(srv.kafka_bootstrap, topic, events)
                console.print(f"  load average after: {_load()}; raw consume before {raw_n / raw_seconds:,.0f}/s, "
                              f"after {more_n / more_seconds:,.0f}/s")
                report.add(Result("raw aiokafka consume (before and after)", raw_n + more_n, raw_seconds + more_seconds,
                                  "events"))
                console.print(f"  sealed {sealed:,} leaves; {await _staged_counts(database)}")
                await _live_lag(store, producer_engine, engine, consumer, service, srv.kafka_bootstrap, events)
                await consumer.stop()
            finally:
                await engine.dispose()
                await producer_engine.dispose()
    replay = "replay into the log (consume + stage, seal + sign alongside)"
    report.ratio("replay / raw consume", replay, "raw aiokafka consume (before and after)", 0.3)
    report.goal("replay rate", replay, 30_000)
    report.print()
    return report


async def _cpu(database: Database) -> tuple[float, float]:
    """CPU seconds so far: this process's, and the PostgreSQL server's (every process of its postmaster: the
    embedded server is this bench's own; 0 where /proc does not show it)."""
    async with database.read() as sql:
        backend = int(await sql.fetchval("SELECT pg_backend_pid()"))
    server = 0.0
    with contextlib.suppress(OSError, ValueError, IndexError):
        postmaster = int(_stat(backend)[1])
        tick = os.sysconf("SC_CLK_TCK")
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                with contextlib.suppress(OSError, ValueError, IndexError):
                    stat = _stat(int(entry))
                    if int(entry) == postmaster or int(stat[1]) == postmaster:
                        server += (int(stat[11]) + int(stat[12])) / tick
    return time.process_time(), server


def _stat(pid: int) -> list[str]:
    """/proc/<pid>/stat's fields after the command: [state, ppid, ...] (utime and stime at 11 and 12)."""
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def _raw_consume(bootstrap: str, topic: str, events: int) -> tuple[int, float]:
    """Read the topic from the start with aiokafka alone: (records, seconds). The same fetch sizes as the
    projector's consumer: the ratio compares the work, not the settings."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    from canvas_projector.entrypoints.consumers.transparency import FETCH_BYTES, MAX_BATCH

    raw = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest",
                           max_poll_records=MAX_BATCH, max_partition_fetch_bytes=FETCH_BYTES,
                           fetch_max_bytes=max(52_428_800, 4 * FETCH_BYTES))
    await raw.start()
    try:
        raw.assign([TopicPartition(topic, p) for p in sorted(raw.partitions_for_topic(topic) or [])])
        n = 0
        with Timer() as t:
            while n < events:
                for batch in (await raw.getmany(timeout_ms=1000, max_records=MAX_BATCH)).values():
                    n += len(batch)
    finally:
        await raw.stop()
    return n, t.seconds


async def _staged_counts(database: Database) -> str:
    """How many records went through staging (each staged one is written, deleted and written again as a leaf)
    rather than straight into the log: the replay's main waste. From PostgreSQL's table statistics, which
    other sessions report within a second or so."""
    await asyncio.sleep(1.5)
    async with database.read() as sql:
        row = await sql.fetchrow("SELECT n_tup_ins, n_tup_del FROM pg_stat_user_tables WHERE relname = 'tlog_staged'")
    staged, taken = (0, 0) if row is None else (row[0], row[1])
    return f"{staged:,} records staged, {taken:,} taken back from staging"


async def _signed_size(database: Database) -> int:
    """The size of the latest signed checkpoint."""
    async with database.read() as sql:
        latest = await TransparencyLogTable(sql).latest_note()
    return 0 if latest is None else latest[0]


async def _live_lag(store: Any, producer_engine: Any, engine: Any, consumer: Any, service: str, bootstrap: str,
                    offset: int, rate: int = 2000, seconds: int = 10) -> None:
    """Events arrive at `rate`/s through the relay while the projector runs; lag = staged time - occurred time."""
    from datetime import UTC, datetime

    from gotong.eventstore import AppendRequest, EventData
    from gotong.messaging.relay import OutboxRelay

    stop = asyncio.Event()
    live_from = datetime.now(UTC)
    relay = OutboxRelay(producer_engine, service=service, bootstrap=bootstrap, batch_size=2000, poll_interval=0.01)
    await relay.load_checkpoint()
    tasks = [asyncio.create_task(relay.run(stop)), asyncio.create_task(consumer.run(stop))]
    tick, sent = 0.1, 0
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        now = datetime.now(UTC).isoformat()
        batch = [AppendRequest(uuid4(), "payment", 0, [EventData("PaymentRecorded", {
            **record(offset + sent + i), "occurred_at": now, "province_code": "32", "regency_code": "32.73",
            "desil": 3, "funding_source": "apbn"})]) for i in range(int(rate * tick))]
        async with store.transaction() as tx:
            await tx.append_batch(batch)
        sent += len(batch)
        await asyncio.sleep(max(0.0, started + tick * (sent / (rate * tick)) - time.monotonic()))
    await asyncio.sleep(2)
    stop.set()
    await asyncio.gather(*tasks)
    # A record reaches the projector when it is staged, or sealed at once when every partition has passed it.
    async with Database(engine).read() as sql:
        row = await sql.fetchrow(
            "SELECT count(*) AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY lag) AS p50, "
            "percentile_cont(0.99) WITHIN GROUP (ORDER BY lag) AS p99 FROM (SELECT extract(epoch FROM at - occurred) "
            "AS lag FROM (SELECT at, (convert_from(leaf, 'UTF8')::jsonb->>'occurred_at')::timestamptz AS occurred "
            "FROM (SELECT staged_at AS at, leaf FROM tlog_staged UNION ALL SELECT appended_at, leaf FROM tlog_leaves) "
            "r) o WHERE occurred >= $1) s", live_from)
    assert row is not None
    console.print(f"  live: {sent:,} events at {rate:,}/s for {seconds} s; {row['n']:,} reached the projector; "
                  f"lag p50 {row['p50'] * 1000:.0f} ms, p99 {row['p99'] * 1000:.0f} ms "
                  f"(goal p99 < 1 s: {'met' if row['p99'] < 1 else 'NOT met'})")


@click.command("projector")
@click.option("--leaves", default=1_000_000, show_default=True, help="Leaves for proof latency and sealing (0: skip).")
@click.option("--sealed", default=100_000, show_default=True)
@click.option("--proofs", default=2000, show_default=True)
@click.option("--replay", default=100_000, show_default=True, help="Events to replay from a topic (0: skip).")
def projector(leaves: int, sealed: int, proofs: int, replay: int) -> None:
    """Transparency log: proof latency at a million leaves, sealing rate vs raw COPY, replay rate vs raw consume."""
    if leaves:
        asyncio.run(bench_projector(leaves, sealed, proofs))
    if replay:
        asyncio.run(bench_replay(replay))
