"""A batch consumer applies every partition of a poll in one transaction with one handler call: each event once,
a poison event to the DLQ with the rest applied, a redelivery or a republish changing nothing, and the handler
told each partition's watermark."""

from collections import Counter
from uuid import uuid4

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from gotong.adapters.sql import raw_driver
from gotong.messaging.consumer import Delivered, DeliveredBatch, EventConsumer
from gotong.messaging.topics import events_topic

from .conftest import Poisoned, stream_counts
from .test_consumer import seed

calls: list[tuple[int, dict[int, object]]] = []


async def count_set_wise(conn: AsyncConnection, messages: list[Delivered]) -> None:
    """Counts every stream's events in one statement; raises if any event is poison."""
    if any(m.event.data.get("poison") for m in messages):
        raise Poisoned("this batch holds a poison event")
    if isinstance(messages, DeliveredBatch):
        calls.append((len({m.partition for m in messages}), dict(messages.watermarks)))
    counts = Counter(m.event.stream_id for m in messages)
    driver = await raw_driver(conn)
    await driver.execute(
        "INSERT INTO stream_counts (stream_id, n) SELECT * FROM unnest($1::uuid[], $2::int[]) "
        "ON CONFLICT (stream_id) DO UPDATE SET n = stream_counts.n + excluded.n", list(counts), list(counts.values()))


def batch_consumer(engine, service: str, kafka_bootstrap: str) -> EventConsumer:
    return EventConsumer(engine, name="counts", topics=[events_topic(service)], batch_handler=count_set_wise,
                         bootstrap=kafka_bootstrap, max_batch=5000)


async def test_a_poll_is_applied_once_across_partitions_and_redelivery_changes_nothing(
        engine, relay, service, kafka_bootstrap):
    calls.clear()
    streams = [uuid4() for _ in range(60)]
    await seed(engine, streams)
    await relay.drain()
    consumer = batch_consumer(engine, service, kafka_bootstrap)
    try:
        await consumer.run_until_idle()
        assert await stream_counts(engine) == dict.fromkeys(streams, 3)
        assert consumer.applied == 180
        assert sum(n for n, _ in calls) >= 3, "every partition reached the handler"
        for tp in consumer.consumer.assignment():  # a crash before the positions were saved: all again
            consumer.consumer.seek(tp, 0)
        await consumer.run_until_idle()
        async with engine.begin() as conn:  # a relay that forgot its checkpoint republishes everything
            await conn.execute(text("UPDATE relay_checkpoints SET tx_id = 0, position = 0"))
        await relay.load_checkpoint()
        await relay.drain()
        await consumer.run_until_idle()
        assert await stream_counts(engine) == dict.fromkeys(streams, 3)
        async with engine.connect() as conn:
            marks = (await conn.execute(text(
                "SELECT count(*) FROM consumer_positions WHERE consumer = 'counts' AND watermark_tx_id > 0"))).scalar()
        assert marks == 3, "every partition's watermark saved with its position"
    finally:
        await consumer.stop()


async def test_a_poison_event_in_a_poll_goes_to_the_dlq_and_the_rest_is_applied_once(
        engine, relay, service, kafka_bootstrap):
    streams = [uuid4() for _ in range(30)]
    bad = streams[11]
    await seed(engine, streams, per_stream=2, poison_at=(bad, 1))
    await relay.drain()
    consumer = batch_consumer(engine, service, kafka_bootstrap)
    try:
        await consumer.run_until_idle()
        assert consumer.dead == 1
        assert await stream_counts(engine) == {**dict.fromkeys(streams, 2), bad: 1}
        for tp in consumer.consumer.assignment():
            consumer.consumer.seek(tp, 0)
        await consumer.run_until_idle()
        assert await stream_counts(engine) == {**dict.fromkeys(streams, 2), bad: 1}
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM dead_letters"))).scalar() == 1
    finally:
        await consumer.stop()
