"""A broker that restarts without its data (the embedded memory broker; a cluster rebuilt empty) loses nothing:
the relay notices the new cluster id and republishes from the start, consumers reread the new log in order and
ignore what reached it before the relay noticed, and the topic keeps its partition count."""

import asyncio
from uuid import uuid4

from aiokafka.admin import AIOKafkaAdminClient

from gotong.eventstore import EventData
from gotong.eventstore.postgres import PostgresEventStore
from gotong.infra.embedded import EmbeddedKafka
from gotong.messaging.consumer import EventConsumer
from gotong.messaging.relay import OutboxRelay
from gotong.messaging.topics import events_topic
from gotong.testing.wait import eventually

from .conftest import count_handler, stream_counts


async def _append(store: PostgresEventStore, streams: list, version: int) -> None:
    async with store.transaction() as tx:
        for sid in streams:
            await tx.append(sid, "thing", version - 1, [EventData("Counted", {"v": version})])


async def _dead_letters(engine) -> list[str]:
    async with engine.connect() as conn:
        return list((await conn.exec_driver_sql("SELECT error FROM dead_letters")).scalars())


async def _partitions(bootstrap: str, topic: str) -> int:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        [described] = await admin.describe_topics([topic])
        return len(described["partitions"])
    finally:
        await admin.close()


async def test_broker_restart_with_memory_lost_loses_nothing_and_doubles_nothing(engine, unique_name, tmp_path):
    broker = EmbeddedKafka(log_path=tmp_path / "tansu.log").start()
    store = PostgresEventStore(engine)
    topic = events_topic(unique_name)
    # The relay checks the broker rarely on its own: it must notice at the latest before it says "all sent".
    relay = OutboxRelay(engine, service=unique_name, bootstrap=broker.bootstrap_servers, batch_size=7,
                        broker_check_interval=3600)
    consumer = EventConsumer(engine, name="counts", topics=[topic], handler=count_handler,
                             bootstrap=broker.bootstrap_servers, max_batch=11)
    streams = [uuid4() for _ in range(30)]
    stop = asyncio.Event()
    try:
        await _append(store, streams, 1)
        await relay.drain()
        await consumer.run_until_idle()
        assert set((await stream_counts(engine)).values()) == {1}
        first = broker.cluster_id

        # Acknowledged by the broker, never consumed: then the broker restarts and forgets them.
        await _append(store, streams, 2)
        await relay.drain()
        await consumer.stop()
        broker.stop()
        broker.start()
        assert broker.cluster_id != first

        await _append(store, streams, 3)
        tasks = [asyncio.create_task(relay.run(stop)), asyncio.create_task(consumer.run(stop))]
        counts = await eventually(lambda: stream_counts(engine),
                                  lambda c: len(c) == 30 and set(c.values()) == {3}, timeout=120,
                                  what="every stream at version 3 (in order, once)")
        assert counts == dict.fromkeys(streams, 3)
        assert consumer.dead == 0, f"out of order or twice, dead-lettered: {await _dead_letters(engine)}"
        assert relay.state.republished == 1
        assert relay.state.broker == broker.cluster_id
        assert await _partitions(broker.bootstrap_servers, topic) == 6, "recreated with our partition count"
    finally:
        stop.set()
        for task in locals().get("tasks", []):
            await asyncio.wait_for(task, 30)
        await relay.close()
        await consumer.stop()
        broker.stop()


async def test_a_consumer_started_after_the_restart_rereads_the_new_broker(engine, unique_name, tmp_path):
    """Offsets stored against the old broker mean nothing on the new one, even when the new log is longer."""
    broker = EmbeddedKafka(log_path=tmp_path / "tansu.log").start()
    store = PostgresEventStore(engine)
    topic = events_topic(unique_name)
    relay = OutboxRelay(engine, service=unique_name, bootstrap=broker.bootstrap_servers, batch_size=50)
    streams = [uuid4() for _ in range(10)]
    try:
        await _append(store, streams, 1)
        await relay.drain()
        first = EventConsumer(engine, name="counts", topics=[topic], handler=count_handler,
                              bootstrap=broker.bootstrap_servers)
        await first.run_until_idle()
        await first.stop()
        broker.stop()
        broker.start()
        for version in (2, 3, 4):  # the new log grows past the offsets stored for the old one
            await _append(store, streams, version)
        await relay.drain()
        assert relay.state.republished == 1
        again = EventConsumer(engine, name="counts", topics=[topic], handler=count_handler,
                              bootstrap=broker.bootstrap_servers)
        await again.run_until_idle()
        await again.stop()
        assert await stream_counts(engine) == dict.fromkeys(streams, 4)
        assert again.dead == 0
    finally:
        await relay.close()
        broker.stop()
