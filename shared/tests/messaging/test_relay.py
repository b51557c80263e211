"""The relay publishes every committed event as a CloudEvent, survives a paused broker and a killed relay."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from uuid import uuid4

from aiokafka import AIOKafkaConsumer, TopicPartition

from gotong.eventstore import AppendRequest, EventData, EventMetadata
from gotong.eventstore.postgres import PostgresEventStore
from gotong.messaging.cloudevents import WATERMARK_TYPE, decode
from gotong.messaging.relay import OutboxRelay
from gotong.messaging.topics import events_topic

from .conftest import stream_counts


async def read_topic(bootstrap: str, topic: str, expect_at_least: int, timeout: float = 60) -> list:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        parts = consumer.partitions_for_topic(topic) or set()
        if not parts:
            await consumer._client.force_metadata_update()
            parts = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in parts]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        out: list = []
        deadline = time.monotonic() + timeout
        # Everything on the topic: at least `expect_at_least` records, and up to the end of every partition as
        # it stands once that many are read (duplicates of a republished batch must not end the read early).
        ends: dict[TopicPartition, int] | None = None
        while time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                out.extend(r for r in records if dict(r.headers or ()).get("ce_type") != WATERMARK_TYPE.encode())
            if len(out) >= expect_at_least:
                ends = ends or await consumer.end_offsets(tps)
                positions = {tp: await consumer.position(tp) for tp in ends}
                if all(positions[tp] >= end for tp, end in ends.items()):
                    break
        return out
    finally:
        await consumer.stop()


async def test_events_are_published_as_binary_cloudevents_keyed_by_stream(engine, relay, service, kafka_bootstrap):
    store = PostgresEventStore(engine)
    sid, corr = uuid4(), uuid4()
    tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    async with store.transaction() as tx:
        await tx.append(sid, "household", 0, [
            EventData("HouseholdRegistered", {"region": "3273", "members": 4}, schema_version=2,
                      metadata=EventMetadata(correlation_id=corr, traceparent=tp))])
    await relay.drain()
    (record,) = await read_topic(kafka_bootstrap, events_topic(service), 1)
    headers = dict(record.headers)
    assert record.key == str(sid).encode()
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_type"] == f"id.gotong.{service}.HouseholdRegistered.v2".encode()
    assert headers["ce_source"] == f"/gotong/{service}".encode()
    assert headers["ce_subject"] == str(sid).encode()
    assert headers["content-type"] == b"application/json"
    assert headers["ce_time"].endswith(b"Z")
    assert headers["ce_correlationid"] == str(corr).encode()
    # The trace goes on: same trace id, a new parent span (the relay's publish span) when tracing is on.
    assert headers["traceparent"].split(b"-")[1] == b"4bf92f3577b34da6a3ce929d0e0e4736"
    event = decode(record.value, record.headers)
    assert event.data == {"region": "3273", "members": 4}
    assert (event.event_type, event.schema_version, event.stream_version) == ("HouseholdRegistered", 2, 1)
    assert event.position is not None


async def test_paused_broker_keeps_commands_succeeding_and_loses_nothing(
        engine, relay, consumer, service, test_infra):
    assert test_infra.kafka is not None, "this test pauses the broker process it owns"
    store = PostgresEventStore(engine)
    stop = asyncio.Event()
    relay_task = asyncio.create_task(relay.run(stop))
    streams = [uuid4() for _ in range(40)]
    versions = dict.fromkeys(streams, 0)

    async def command(sid) -> float:
        started = time.monotonic()
        async with store.transaction() as tx:
            versions[sid] = await tx.append(sid, "counter", versions[sid], [EventData("Counted", {})])
        return time.monotonic() - started

    for sid in streams:
        await command(sid)
    await asyncio.sleep(1)
    test_infra.kafka.pause()
    try:
        slowest = 0.0
        paused_until = time.monotonic() + 10
        i = 0
        while time.monotonic() < paused_until:
            slowest = max(slowest, await command(streams[i % len(streams)]))
            i += 1
            await asyncio.sleep(0.02)
        backlog = await relay.lag()
    finally:
        test_infra.kafka.resume()
    assert slowest < 1.0, "commands must not wait for Kafka"
    assert backlog > 0, "while the broker is paused the backlog grows"
    deadline = time.monotonic() + 90
    while await relay.lag() > 0 and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    stop.set()
    await relay_task
    assert await relay.lag() == 0
    from prometheus_client import REGISTRY

    assert REGISTRY.get_sample_value("gotong_relay_published_total", {"service": service}) >= sum(versions.values())
    await consumer.run_until_idle(timeout=90)
    assert await stream_counts(engine) == versions


async def test_relay_killed_mid_batch_republishes_and_consumers_apply_once(
        engine, database_url, consumer, service, kafka_bootstrap):
    store = PostgresEventStore(engine)
    streams = [uuid4() for _ in range(2000)]
    async with store.transaction() as tx:
        await tx.append_batch([AppendRequest(s, "counter", 0, [EventData("Counted", {}) for _ in range(10)])
                               for s in streams])
    total = 20_000
    env = {**os.environ, "DATABASE_URL": database_url, "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
           "LOG_LEVEL": "WARNING"}
    cmd = [sys.executable, "-m", "gotong.cli.relay", "--service", service, "--batch-size", "700"]
    proc = subprocess.Popen(cmd, env=env)
    try:
        deadline = time.monotonic() + 60
        published = 0
        while time.monotonic() < deadline:
            published = await _checkpoint_events(engine)
            if published >= 3000:
                break
            await asyncio.sleep(0.05)
        assert 0 < published < total, "kill the relay part way"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    proc = subprocess.Popen(cmd, env=env)
    try:
        deadline = time.monotonic() + 120
        while await _checkpoint_events(engine) < total and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    assert await _checkpoint_events(engine) == total
    records = await read_topic(kafka_bootstrap, events_topic(service), total)
    ids = [dict(r.headers)["ce_id"] for r in records]
    async with engine.connect() as conn:
        stored = {str(r[0]).encode() for r in (await conn.exec_driver_sql("SELECT event_id FROM events")).all()}
    assert set(ids) == stored, "every committed event published"
    assert len(ids) >= total  # at least once: the killed batch may go out twice
    await consumer.run_until_idle(timeout=120)
    assert await stream_counts(engine) == dict.fromkeys(streams, 10), "each event applied exactly once"


async def _checkpoint_events(engine) -> int:
    """How many events lie at or before the relay's checkpoint."""
    from gotong.adapters.sql import Database

    async with Database(engine).read() as sql:
        n = await sql.fetchval(
            "SELECT count(*) FROM events e, relay_checkpoints c WHERE c.name = 'outbox' AND "
            "(e.tx_id, e.position) <= (c.tx_id::text::xid8, c.position)")
    return int(n or 0)


async def test_caught_up_relay_marks_every_partition_and_consumers_record_the_watermark(
        engine, relay, consumer, service, kafka_bootstrap):
    from gotong.adapters.sql import Database

    store = PostgresEventStore(engine)
    async with store.transaction() as tx:
        await tx.append_batch([AppendRequest(uuid4(), "counter", 0, [EventData("Counted", {})]) for _ in range(20)])
    await relay.drain()
    last = relay.state.checkpoint
    await consumer.run_until_idle()
    assert consumer.applied == 20, "watermarks never reach the handler"
    async with Database(engine).read() as sql:
        rows = await sql.fetch("SELECT partition, watermark_tx_id, watermark_position FROM consumer_positions "
                               "WHERE consumer = 'counts' ORDER BY partition")
    assert [(r[0], r[1], r[2]) for r in rows] == [(p, last.tx_id, last.position) for p in range(3)]


async def test_a_closed_relay_hands_leadership_to_the_next_one(engine, service, kafka_bootstrap):
    first = OutboxRelay(engine, service=service, bootstrap=kafka_bootstrap)
    second = OutboxRelay(engine, service=service, bootstrap=kafka_bootstrap)
    assert await first._acquire_leadership()
    assert not await second._acquire_leadership(), "one relay per database publishes"
    await first.close()
    assert await second._acquire_leadership(), "the lock does not stay behind on a pooled connection"
    await second.close()
