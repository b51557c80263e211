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
