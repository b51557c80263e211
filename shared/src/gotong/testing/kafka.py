"""Reading a topic from the start in tests: what a service really published, as another client sees it."""

from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition


async def read_topic(bootstrap: str, topic: str, *, polls: int = 10, timeout_ms: int = 500) -> list[Any]:
    """Every record on `topic` from the earliest offset (all partitions), as `ConsumerRecord`s; reads until
    `polls` fetches have passed, so give the relay time to publish first (`relay.drain()`)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()])
        records: list[Any] = []
        for _ in range(polls):
            for batch in (await consumer.getmany(timeout_ms=timeout_ms)).values():
                records.extend(batch)
        return records
    finally:
        await consumer.stop()
