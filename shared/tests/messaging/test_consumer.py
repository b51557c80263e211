"""Consumers have exactly-once effect: redelivery changes nothing, poison goes to the DLQ, the partition moves on."""

import asyncio
from uuid import uuid4

from sqlalchemy import text

from gotong.eventstore import AppendRequest, EventData
from gotong.eventstore.postgres import PostgresEventStore
from gotong.messaging.consumer import EventConsumer
from gotong.messaging.topics import dlq_topic, events_topic

from .conftest import count_handler, stream_counts
from .test_relay import read_topic


async def seed(engine, streams, per_stream=3, poison_at=None) -> None:
    store = PostgresEventStore(engine)
    async with store.transaction() as tx:
        await tx.append_batch([
            AppendRequest(s, "counter", 0, [
                EventData("Counted", {"poison": (s, i) == poison_at}) for i in range(per_stream)])
            for s in streams])


async def test_redelivered_batch_leaves_the_read_model_unchanged(engine, relay, consumer, service):
    streams = [uuid4() for _ in range(30)]
    await seed(engine, streams)
    await relay.drain()
    await consumer.run_until_idle()
    before = await stream_counts(engine)
    assert before == dict.fromkeys(streams, 3)
    from prometheus_client import REGISTRY

    lags = [REGISTRY.get_sample_value("gotong_consumer_lag_messages",
                                      {"consumer": "counts", "topic": events_topic(service), "partition": str(p)})
            for p in range(3)]
    assert lags == [0.0, 0.0, 0.0], "caught up: the lag metric says so"
    # Rewind every partition to the start, as a crash before an offset commit or a rebalance would.
    for tp in consumer.consumer.assignment():
        consumer.consumer.seek(tp, 0)
    await consumer.run_until_idle()
    assert await stream_counts(engine) == before
    # A relay that forgot its checkpoint republishes everything: still no change.
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE relay_checkpoints SET tx_id = 0, position = 0"))
    await relay.load_checkpoint()
    await relay.drain()
    await consumer.run_until_idle()
    assert await stream_counts(engine) == before


async def test_consumer_restart_resumes_from_its_stored_position(engine, relay, service, kafka_bootstrap):
    first = [uuid4() for _ in range(10)]
    await seed(engine, first)
    await relay.drain()
    c1 = EventConsumer(engine, name="counts", topics=[events_topic(service)], handler=count_handler,
                       bootstrap=kafka_bootstrap)
    await c1.run_until_idle()
    await c1.stop()
    second = [uuid4() for _ in range(10)]
    await seed(engine, second)
    await relay.drain()
    c2 = EventConsumer(engine, name="counts", topics=[events_topic(service)], handler=count_handler,
                       bootstrap=kafka_bootstrap)
    await c2.run_until_idle()
    await c2.stop()
    assert c2.applied == 30, "only the new events are applied after a restart"
    assert await stream_counts(engine) == dict.fromkeys(first + second, 3)


async def test_poison_event_goes_to_dlq_and_later_events_are_processed(
        engine, relay, consumer, service, kafka_bootstrap):
    streams = [uuid4() for _ in range(20)]
    bad = streams[7]
    await seed(engine, streams, per_stream=1, poison_at=(bad, 0))
    await relay.drain()
    await consumer.run_until_idle()
    later = [uuid4() for _ in range(5)]
    await seed(engine, later, per_stream=2)
    await relay.drain()
    await consumer.run_until_idle()
    counts = await stream_counts(engine)
    assert bad not in counts
    assert counts == {**dict.fromkeys([s for s in streams if s != bad], 1), **dict.fromkeys(later, 2)}
    (dead,) = await read_topic(kafka_bootstrap, dlq_topic(events_topic(service)), 1)
    headers = dict(dead.headers)
    assert headers["ce_subject"] == str(bad).encode()
    assert b"Poisoned" in headers["gotong_dlq_error"]
    assert headers["gotong_dlq_consumer"] == b"counts"
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT consumer, error FROM dead_letters"))).all()
    assert len(rows) == 1
    assert rows[0].consumer == "counts"
    # Redelivery of the poison event does not dead-letter it twice.
    for tp in consumer.consumer.assignment():
        consumer.consumer.seek(tp, 0)
    await consumer.run_until_idle()
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM dead_letters"))).scalar() == 1


async def test_undecodable_message_is_dead_lettered(engine, consumer, service, kafka_bootstrap):
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    await producer.send_and_wait(events_topic(service), b"not json", key=b"k", headers=[("ce_id", b"1")])
    await producer.stop()
    await consumer.run_until_idle()
    assert consumer.dead == 1
    assert await stream_counts(engine) == {}


async def test_two_group_members_share_partitions_without_doubling(engine, relay, service, kafka_bootstrap):
    streams = [uuid4() for _ in range(60)]
    await seed(engine, streams)
    await relay.drain()
    members = [EventConsumer(engine, name="counts", topics=[events_topic(service)], handler=count_handler,
                             bootstrap=kafka_bootstrap, group_id=f"{service}-counts") for _ in range(2)]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(m.run(stop)) for m in members]
    try:
        for _ in range(120):
            if sum((await stream_counts(engine)).values()) >= 180:
                break
            await asyncio.sleep(0.5)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    assert await stream_counts(engine) == dict.fromkeys(streams, 3)
    assert sum(m.applied for m in members) == 180, "no event applied by both members"


async def _read_ahead_holds_records(consumer: EventConsumer) -> None:
    """Wait (bounded) until the consumer has read records ahead of the poll it applied."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 30
    while not (consumer._ahead is not None and consumer._ahead.count):
        assert loop.time() < deadline, "nothing was read ahead"
        await asyncio.sleep(0.01)


async def test_records_read_ahead_for_a_partition_seeked_since_are_dropped_and_read_again(
        engine, relay, service, kafka_bootstrap):
    """A poll reads the next one while it is applied; a seek in between (an assignment after a rebalance, here to
    positions rewound in the database) makes what was read ahead stale. Applied, it would move the stored position
    past the records before it, which the seek asked for again and which would then be skipped as applied."""
    streams = [uuid4() for _ in range(40)]
    await seed(engine, streams, per_stream=1)
    await relay.drain()
    consumer = EventConsumer(engine, name="counts", topics=[events_topic(service)], handler=count_handler,
                             bootstrap=kafka_bootstrap, max_batch=4)
    await consumer.start()
    try:
        while not await consumer.poll_once():
            pass
        await _read_ahead_holds_records(consumer)
        assert consumer._ahead is not None
        ahead = {tp: records[0].offset for tp, records in consumer._ahead.records.items()}
        assert any(offset > 0 for offset in ahead.values()), "records past the first poll were read ahead"
        # Everything applied is undone, positions too: the assignment seeks every partition back to the start.
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM stream_counts"))
            await conn.execute(text("DELETE FROM consumer_positions WHERE consumer = 'counts'"))
        await consumer.seek_to_stored(sorted(consumer.consumer.assignment()))
        await consumer.run_until_idle()
        assert consumer.dead == 0
        assert await stream_counts(engine) == dict.fromkeys(streams, 1), "every event applied again, once"
    finally:
        await consumer.stop()


async def test_records_read_ahead_from_a_broker_that_is_no_longer_there_are_not_applied(
        engine, relay, service, kafka_bootstrap):
    """The broker check after a read-ahead fetch finds another broker: the next poll reports it (the consumer
    restarts and rereads) instead of applying what came from the old one."""
    from gotong.messaging.consumer import BrokerChanged

    streams = [uuid4() for _ in range(40)]
    await seed(engine, streams, per_stream=1)
    await relay.drain()
    consumer = EventConsumer(engine, name="counts", topics=[events_topic(service)], handler=count_handler,
                             bootstrap=kafka_bootstrap, max_batch=4)
    await consumer.start()
    polling = asyncio.current_task()
    known = consumer._watch.cluster_id

    async def cluster_id() -> str:  # the broker restarted empty just after the poll's own check
        return await known() if asyncio.current_task() is polling else "a-new-broker"

    consumer._watch.cluster_id = cluster_id  # type: ignore[method-assign]
    try:
        while not await consumer.poll_once():
            pass
        applied = consumer.applied
        assert applied
        assert sum((await stream_counts(engine)).values()) == applied
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while consumer._ahead is not None and consumer._ahead.error is None:
            assert loop.time() < deadline, "the read-ahead never checked the broker"
            await asyncio.sleep(0.01)
        assert consumer._ahead is not None
        assert consumer._ahead.count, "records were read ahead"
        try:
            await consumer.poll_once()
        except BrokerChanged:
            pass
        else:
            raise AssertionError("the poll applied records read ahead from another broker")
        assert consumer.applied == applied
        assert sum((await stream_counts(engine)).values()) == applied
    finally:
        await consumer.stop()
