"""`gotong bench kit`: event store appends and relay publishing against raw asyncpg, COPY, aiokafka and the
`eventsourcing` library, in one run on the same database and broker."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import asyncpg
from aiokafka import AIOKafkaProducer
from sqlalchemy.engine import make_url

from gotong.bench.harness import Report, Result, Timer, console, scratch_database, servers
from gotong.db import asyncpg_dsn, create_engine
from gotong.eventstore import AppendRequest, EventData
from gotong.eventstore.codec import dumps
from gotong.eventstore.postgres import PostgresEventStore
from gotong.heap import settle_once
from gotong.messaging.cloudevents import encode
from gotong.messaging.relay import OutboxRelay, producer_for
from gotong.messaging.topics import ensure_topics, events_topic

PAYLOAD = {"household_ref": "hh_9f2c1e", "region": "3273010001", "desil": 3, "members": 4,
           "flags": {"children_0_6": 1, "elderly": 0, "pregnant": 0, "disabled": 0}, "amount": 600000,
           "program": "PKH", "cycle": "2026-Q4", "status": "paid"}
RAW_COLUMNS = ("stream_id", "stream_type", "version", "event_id", "event_type", "schema_version", "data",
               "occurred_at")


def _rows(n_streams: int, per_stream: int) -> list[tuple[Any, ...]]:
    now = datetime.now(UTC)
    data = dumps(PAYLOAD)
    return [(sid, "household", v, uuid4(), "Benchmarked", 1, data, now)
            for sid in (uuid4() for _ in range(n_streams)) for v in range(1, per_stream + 1)]


async def bench_kit(single: int = 2000, batch_events: int = 100_000, batch_size: int = 10_000,
                    relay_events: int = 100_000) -> Report:
    report = Report("gotong bench kit")
    with servers() as srv:
        async with scratch_database(srv.database_url, "bench") as url:
            engine = create_engine(url, pool_size=4)
            try:
                async with engine.begin() as conn:
                    await conn.exec_driver_sql("CREATE TABLE raw_events (LIKE events INCLUDING ALL)")
                store = PostgresEventStore(engine)
                raw = await asyncpg.connect(asyncpg_dsn(url))
                # The collector as a service's process has it once its consumers or relay run (`settle_once`): both
                # sides of every ratio below measured under it (the relay alone went 28,524 -> 41,513 events/s).
                settle_once()
                console.print(f"[bold]event store[/bold] (PostgreSQL at {make_url(url).host}:{make_url(url).port})")

                # -- single appends: one event per transaction, sequential; both warmed up first -----------------
                insert = ("INSERT INTO raw_events (stream_id, stream_type, version, event_id, event_type, "
                          "schema_version, data, occurred_at) VALUES ($1,$2,$3,$4,$5,$6,$7::jsonb,$8)")

                # Like for like: each side gets its ids and timestamps made before the clock starts, and each
                # transaction is BEGIN, one single-row INSERT (same columns filled, same indexes) and COMMIT: three
                # round trips either way. The raw side keeps one dedicated connection and its JSON pre-encoded, so
                # what the ratio charges the store with is its pool checkout, its unit of work and its encoding.
                async def ours(n: int) -> float:
                    appends = [(uuid4(), EventData("Benchmarked", PAYLOAD)) for _ in range(n)]
                    with Timer() as t:
                        for stream_id, e in appends:
                            async with store.transaction() as tx:
                                await tx.append(stream_id, "household", 0, [e])
                    return t.seconds

                async def theirs(n: int) -> float:
                    rows = _rows(n, 1)
                    with Timer() as t:
                        for r in rows:
                            async with raw.transaction():
                                await raw.execute(insert, *r)
                    return t.seconds

                await ours(300)
                await theirs(300)
                # In alternating rounds, so that both see the same load on a shared machine (commit latency
                # with fsync on swings with whatever else the disk and the cores are doing).
                rounds = max(1, min(10, single // 100))
                ours_s = theirs_s = 0.0
                for i in range(rounds):
                    n = single // rounds + (1 if i < single % rounds else 0)
                    ours_s += await ours(n)
                    theirs_s += await theirs(n)
                report.add(Result("gotong single append (1 event/txn)", single, ours_s))
                report.add(Result("raw asyncpg INSERT (1 row/txn)", single, theirs_s))

                # -- batches ----------------------------------------------------------------------------------
                per_stream = 10
                n_streams = batch_size // per_stream
                with Timer() as t:
                    for _ in range(batch_events // batch_size):
                        reqs = [AppendRequest(uuid4(), "household", 0,
                                              [EventData("Benchmarked", PAYLOAD) for _ in range(per_stream)])
                                for _ in range(n_streams)]
                        async with store.transaction() as tx:
                            await tx.append_batch(reqs)
                report.add(Result(f"gotong batch append ({batch_size:,}/txn)", batch_events, t.seconds))
                with Timer() as t:
                    for _ in range(batch_events // batch_size):
                        chunk = _rows(n_streams, per_stream)
                        async with raw.transaction():
                            await raw.copy_records_to_table("raw_events", records=chunk, columns=RAW_COLUMNS)
                report.add(Result(f"raw COPY ({batch_size:,}/txn)", batch_events, t.seconds))
                await raw.close()

                await _bench_eventsourcing(report, url, single, batch_events, batch_size)

                # -- relay vs raw produce -------------------------------------------------------------------------
                console.print("[bold]relay[/bold]")
                service = f"bench{uuid4().hex[:6]}"
                await ensure_topics(srv.kafka_bootstrap, [events_topic(service), events_topic(service + "raw")])
                await _fill(store, relay_events)
                relay = OutboxRelay(engine, service=service, bootstrap=srv.kafka_bootstrap, batch_size=5000)
                await relay.load_checkpoint()
                with Timer() as t:
                    await relay.drain(timeout=600)
                report.add(Result("gotong relay publish (acks=all)", relay_events, t.seconds))
                await relay.close()
                recorded = await store.read_all(limit=relay_events)
                messages = [encode(service, e) for e in recorded]
                producer: AIOKafkaProducer = producer_for(srv.kafka_bootstrap)
                await producer.start()
                with Timer() as t:
                    for i in range(0, len(messages), 5000):
                        futures = [await producer.send(events_topic(service + "raw"), value=v, key=k, headers=h)
                                   for k, v, h in messages[i:i + 5000]]
                        await asyncio.gather(*futures)
                await producer.stop()
                report.add(Result("raw aiokafka produce (acks=all)", len(messages), t.seconds))
            finally:
                await engine.dispose()

    report.ratio("single append / raw single-row txn", "gotong single append (1 event/txn)",
                 "raw asyncpg INSERT (1 row/txn)", 0.7)
    report.ratio("batch append / raw COPY", f"gotong batch append ({batch_size:,}/txn)",
                 f"raw COPY ({batch_size:,}/txn)", 0.5)
    report.ratio("batch append / eventsourcing batch", f"gotong batch append ({batch_size:,}/txn)",
                 f"eventsourcing insert_events ({batch_size:,}/txn)", 5.0)
    report.ratio("single append / eventsourcing single", "gotong single append (1 event/txn)",
                 "eventsourcing insert_events (1/txn)")
    report.ratio("relay / raw produce", "gotong relay publish (acks=all)", "raw aiokafka produce (acks=all)", 0.7)
    report.print()
    return report


async def _fill(store: PostgresEventStore, n: int) -> None:
    async with store.engine.begin() as conn:
        await conn.exec_driver_sql("TRUNCATE events")
    for start in range(0, n, 10_000):  # n events exactly, 10 a stream, 10,000 a transaction
        async with store.transaction() as tx:
            await tx.append_batch([AppendRequest(uuid4(), "household", 0,
                                                 [EventData("Benchmarked", PAYLOAD) for _ in range(min(10, n - i))])
                                   for i in range(start, min(n, start + 10_000), 10)])


async def _bench_eventsourcing(report: Report, url: str, single: int, batch_events: int, batch_size: int) -> None:
    """The peer library, PostgreSQL recorder (psycopg 3), appending the same payloads."""
    try:
        from eventsourcing.persistence import StoredEvent
        from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
    except ImportError:
        console.print("  eventsourcing not installed: `uv sync` installs the dev group with it")
        return
    u = make_url(url)
    datastore = PostgresDatastore(dbname=u.database or "", host=u.host or "127.0.0.1", port=u.port or 5432,
                                  user=u.username or "postgres", password=u.password or "")
    recorder = PostgresApplicationRecorder(datastore, events_table_name="es_events")
    state = dumps(PAYLOAD).encode()

    def run() -> tuple[float, float]:
        recorder.create_table()
        with Timer() as t1:
            for _ in range(single):
                recorder.insert_events([StoredEvent(uuid4(), 1, "bench:Benchmarked", state)])
        with Timer() as t2:
            for _ in range(batch_events // batch_size):
                recorder.insert_events([StoredEvent(sid, v, "bench:Benchmarked", state)
                                        for sid in (uuid4() for _ in range(batch_size // 10))
                                        for v in range(1, 11)])
        datastore.close()
        return t1.seconds, t2.seconds

    s1, s2 = await asyncio.to_thread(run)
    report.add(Result("eventsourcing insert_events (1/txn)", single, s1))
    report.add(Result(f"eventsourcing insert_events ({batch_size:,}/txn)", batch_events, s2))
