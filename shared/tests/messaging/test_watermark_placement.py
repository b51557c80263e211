"""A replay seals as it reads only if every partition stops at the same watermark: the relay puts a backlog
watermark right behind the batch it covers, and a consumer that holds records past the lowest partition's
watermark applies each partition up to it and keeps the rest for later."""

import time
from uuid import uuid4

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import ConsumerRecord

from gotong.eventstore import AppendRequest, EventData
from gotong.eventstore.model import START, Position
from gotong.eventstore.postgres import PostgresEventStore
from gotong.messaging.cloudevents import decode, encode_watermark
from gotong.messaging.consumer import hold_past_lowest_watermark, watermark_in
from gotong.messaging.relay import BROKER_HEADER, OutboxRelay
from gotong.messaging.topics import events_topic


async def test_every_backlog_watermark_follows_the_batch_it_covers_on_every_partition(
        engine, service, kafka_bootstrap):
    store = PostgresEventStore(engine)
    async with store.transaction() as tx:
        await tx.append_batch([AppendRequest(uuid4(), "counter", 0, [EventData("Counted", {})]) for _ in range(120)])
    relay = OutboxRelay(engine, service=service, bootstrap=kafka_bootstrap, batch_size=20, watermark_every=20)
    try:
        await relay.drain()
    finally:
        await relay.close()
    topic = events_topic(service)
    reader = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, enable_auto_commit=False)
    await reader.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(3)]
        reader.assign(tps)
        await reader.seek_to_beginning(*tps)
        ends = await reader.end_offsets(tps)
        records: dict[int, list] = {p: [] for p in range(3)}
        deadline = time.monotonic() + 60
        while any(position < ends[tp] for tp, position in [(tp, await reader.position(tp)) for tp in tps]):
            assert time.monotonic() < deadline, "the topic could not be read to its end"
            for tp, batch in (await reader.getmany(timeout_ms=1000)).items():
                records[tp.partition].extend(batch)
    finally:
        await reader.stop()
    marks_seen = set()
    for partition, batch in records.items():
        read = START  # the furthest event read on the partition
        for record in batch:
            found = watermark_in(record, broker=None)
            if found is None:
                position = decode(record.value, record.headers).position
                assert position is not None
                read = max(read, position)
                continue
            marks_seen.add(found)
            assert read <= found, f"partition {partition}: an event at {read} before the watermark {found}"
    assert len(marks_seen) >= 6, "a watermark every 20 events of the backlog, on every partition"


def _record(partition: int, offset: int, *, mark: int | None = None, broker: str | None = None) -> ConsumerRecord:
    if mark is None:
        headers, value = [("ce_type", b"some.event")], b'{"n": 1}'
    else:
        headers, value = encode_watermark("svc", Position(1, mark))
    if broker is not None:
        headers.append((BROKER_HEADER, broker.encode()))
    return ConsumerRecord("t", partition, offset, 0, 0, None, value, None, 0, len(value), headers)


def _tp(partition: int) -> TopicPartition:
    return TopicPartition("t", partition)


def _offsets(records: dict) -> dict[int, list[int]]:
    return {tp.partition: [r.offset for r in batch] for tp, batch in sorted(records.items())}


def test_a_partition_ahead_gives_up_to_the_lowest_watermark_and_holds_the_rest():
    marks = {_tp(0): START, _tp(1): START}
    # partition 0 read to watermark 20 and beyond; partition 1 only to watermark 10, then two events
    fetched = {_tp(0): [_record(0, 0), _record(0, 1, mark=10), _record(0, 2), _record(0, 3, mark=20), _record(0, 4)],
               _tp(1): [_record(1, 0), _record(1, 1, mark=10), _record(1, 2), _record(1, 3)]}
    ready, held = hold_past_lowest_watermark({}, fetched, marks, lambda r: watermark_in(r, None), limit=100)
    assert _offsets(ready) == {0: [0, 1], 1: [0, 1, 2, 3]}, "the partition at the lowest watermark gives all"
    assert _offsets(held) == {0: [2, 3, 4]}
    # partition 1 catches up: the held records go first, in order
    marks = {_tp(0): Position(1, 10), _tp(1): Position(1, 10)}
    more = {_tp(1): [_record(1, 4, mark=20), _record(1, 5)]}
    ready, held = hold_past_lowest_watermark(held, more, marks, lambda r: watermark_in(r, None), limit=100)
    assert _offsets(ready) == {0: [2, 3, 4], 1: [4, 5]}
    assert held == {}


def test_a_partition_not_read_yet_holds_every_partition_ahead_of_it():
    marks = {_tp(0): START, _tp(1): START}
    fetched = {_tp(0): [_record(0, 0), _record(0, 1, mark=10), _record(0, 2)]}
    ready, held = hold_past_lowest_watermark({}, fetched, marks, lambda r: watermark_in(r, None), limit=100)
    assert ready == {}
    assert _offsets(held) == {0: [0, 1, 2]}


def test_nothing_more_to_read_or_too_much_held_releases_everything():
    marks = {_tp(0): START, _tp(1): START}
    held = {_tp(0): [_record(0, 0), _record(0, 1, mark=10)]}
    ready, still = hold_past_lowest_watermark(held, {}, marks, lambda r: watermark_in(r, None), limit=100)
    assert ready == {}, "an empty poll on a busy machine is not the end"
    assert _offsets(still) == {0: [0, 1]}
    ready, still = hold_past_lowest_watermark(held, {}, marks, lambda r: watermark_in(r, None), limit=100,
                                              caught_up=True)
    assert _offsets(ready) == {0: [0, 1]}
    assert still == {}
    fetched = {_tp(0): [_record(0, 2), _record(0, 3)]}
    ready, still = hold_past_lowest_watermark(held, fetched, marks, lambda r: watermark_in(r, None), limit=3)
    assert _offsets(ready) == {0: [0, 1, 2, 3]}
    assert still == {}


def test_a_watermark_published_for_another_broker_is_not_one():
    assert watermark_in(_record(0, 0, mark=10, broker="old"), broker="new") is None
    assert watermark_in(_record(0, 0, mark=10, broker="new"), broker="new") == Position(1, 10)
    assert watermark_in(_record(0, 0), broker="new") is None
