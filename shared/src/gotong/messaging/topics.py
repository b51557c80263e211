"""Topic names and creating topics on the broker (Tansu does not auto-create them)."""

from __future__ import annotations

from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError


def events_topic(service: str) -> str:
    return f"{service}.events"


def dlq_topic(topic: str) -> str:
    return f"{topic}.dlq"


async def ensure_topics(bootstrap: str, topics: Iterable[str], partitions: int = 6,
                        replication_factor: int = 1) -> list[str]:
    """Create the topics that do not exist yet; returns the ones created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in dict.fromkeys(topics) if t not in existing]
        if missing:
            try:
                await admin.create_topics(
                    [NewTopic(t, partitions, replication_factor) for t in missing], timeout_ms=10_000)
            except TopicAlreadyExistsError:
                pass
        return missing
    finally:
        await admin.close()
