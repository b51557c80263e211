"""Topic names, creating topics on the broker, and who the broker is.

Create topics before anything asks for them: a broker with auto-creation on (Tansu always, Kafka by default)
creates a topic a producer merely looks up, with *its* default partition count, and a stream's partition is
its key modulo that count — so a topic that comes back with another count would move streams between partitions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

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


async def delete_topics(bootstrap: str, topics: Iterable[str], timeout_ms: int = 10_000) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=timeout_ms)
    await admin.start()
    try:
        await admin.delete_topics(list(topics), timeout_ms=timeout_ms)
    finally:
        await admin.close()


@dataclass(frozen=True)
class BrokerInfo:
    """Who answered: the cluster id (a new one means a broker that knows nothing we sent before) and the
    partition count of each topic asked about."""

    cluster_id: str
    partitions: dict[str, int]


async def inspect_broker(bootstrap: str, topics: Iterable[str], partitions: int = 6,
                         replication_factor: int = 1, timeout_ms: int = 10_000) -> BrokerInfo:
    """Create the missing topics (with `partitions`), then report the cluster id and each topic's partitions."""
    wanted = list(dict.fromkeys(topics))
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=timeout_ms)
    await admin.start()
    try:
        cluster = await admin.describe_cluster()
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        if missing:
            try:
                await admin.create_topics(
                    [NewTopic(t, partitions, replication_factor) for t in missing], timeout_ms=timeout_ms)
            except TopicAlreadyExistsError:
                pass
        described = await admin.describe_topics(wanted) if wanted else []
        counts = {d["topic"]: len(d["partitions"]) for d in described if d.get("partitions")}
        return BrokerInfo(str(cluster.get("cluster_id") or ""), counts)
    finally:
        await admin.close()


class BrokerWatch:
    """Asks the broker who it is (its cluster id) over one kept connection: a metadata round trip."""

    def __init__(self, bootstrap: str, timeout_ms: int = 5_000) -> None:
        self.bootstrap = bootstrap
        self.timeout_ms = timeout_ms
        self._admin: AIOKafkaAdminClient | None = None

    async def _connected(self) -> AIOKafkaAdminClient:
        if self._admin is None:
            admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=self.timeout_ms)
            await admin.start()
            self._admin = admin
        return self._admin

    async def cluster_id(self) -> str:
        try:
            return str((await (await self._connected()).describe_cluster()).get("cluster_id") or "")
        except Exception:
            await self.close()
            raise

    async def partition_counts(self) -> dict[str, int]:
        """Each topic the broker has and its partition count (asking for all topics creates none)."""
        try:
            described = await (await self._connected()).describe_topics()
            return {d["topic"]: len(d["partitions"]) for d in described if d.get("partitions")}
        except Exception:
            await self.close()
            raise

    async def close(self) -> None:
        if self._admin is not None:
            admin, self._admin = self._admin, None
            try:
                await admin.close()
            except Exception:  # noqa: S110 - closing a connection to a broker that is gone
                pass
