"""The outbox relay: publishes committed events to `<service>.events` in store order, at least once.

The events table is the outbox. The relay tails it with a `StoreFollower` (`gotong.messaging.follower`: commit
order, never skipping a late commit), sends each event as a CloudEvent keyed by stream id, and moves its
checkpoint (kept in the same database) only past events the broker acknowledged. Kafka down or paused: commands
still commit, the backlog waits, and drains when Kafka is back. One relay per database publishes at a time (a
PostgreSQL advisory lock); others stand by.

A broker that restarted without its data (the embedded memory broker; a cluster rebuilt from scratch) answers
with a new cluster id. The relay checks who answers when it connects and every `broker_check_interval` seconds;
on a new one it republishes everything from the start. Every record carries the cluster id the relay believed it
was writing to (header `gotong-broker`), so a consumer ignores what reached the new broker before the relay
noticed, and reads the republished log in order; positions skip what it had applied already.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import struct
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from opentelemetry.trace import SpanKind
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gotong.adapters.sql import Database
from gotong.background import running
from gotong.eventstore.codec import dumpb
from gotong.eventstore.model import START, Position, RecordedEvent
from gotong.eventstore.postgres import PostgresEventStore
from gotong.heap import settle_once
from gotong.messaging import metrics
from gotong.messaging.cloudevents import (
    EXT_CAUSATION,
    EXT_CORRELATION,
    EXT_PARTITION_KEY,
    EXT_POSITION,
    EXT_STREAM_TYPE,
    EXT_STREAM_VERSION,
    ce_type,
    encode_watermark,
)
from gotong.messaging.follower import StoreFollower
from gotong.messaging.topics import (
    BrokerInfo,
    BrokerWatch,
    delete_topics,
    dlq_topic,
    events_topic,
    inspect_broker,
)
from gotong.observability.tracing import context_from_traceparent, current_traceparent, tracer

log = logging.getLogger("gotong.relay")

#: Kafka header naming the broker (cluster id) a record was published for.
BROKER_HEADER = "gotong-broker"

#: Maps an internal event to its published contract: (event_type, schema_version, data), or None to keep it
#: internal. The default publishes the stored event as it is.
ContractMapper = Callable[[RecordedEvent], tuple[str, int, dict[str, Any]] | None]


_M = 0x5BD1E995


@functools.lru_cache(maxsize=64)
def _words(n: int) -> struct.Struct:
    return struct.Struct(f"<{n}I")


def murmur2(data: bytes) -> int:
    """Kafka's murmur2 (the Java client's `Utils.murmur2`, as `aiokafka.partitioner.murmur2`), reading the key's
    32-bit words in one `struct` call: the relay hashes every new stream's key."""
    length = len(data)
    h = 0x9747B28C ^ length
    for k in _words(length >> 2).unpack_from(data):
        k = (k * _M) & 0xFFFFFFFF
        k = ((k ^ (k >> 24)) * _M) & 0xFFFFFFFF
        h = ((h * _M) & 0xFFFFFFFF) ^ k
    tail, base = length & 3, length & ~3
    if tail >= 3:
        h ^= data[base + 2] << 16
    if tail >= 2:
        h ^= data[base + 1] << 8
    if tail >= 1:
        h = ((h ^ data[base]) * _M) & 0xFFFFFFFF
    h = ((h ^ (h >> 13)) * _M) & 0xFFFFFFFF
    return h ^ (h >> 15)


@functools.lru_cache(maxsize=1024)
def _type_header(service: str, event_type: str, schema_version: int) -> bytes:
    return ce_type(service, event_type, schema_version).encode()


@functools.lru_cache(maxsize=64)
def _text_header(value: str) -> bytes:
    return value.encode()


_POSITION = f"ce_{EXT_POSITION}"
_STREAM_TYPE = f"ce_{EXT_STREAM_TYPE}"
_STREAM_VERSION = f"ce_{EXT_STREAM_VERSION}"
_PARTITION_KEY = f"ce_{EXT_PARTITION_KEY}"
_CORRELATION = f"ce_{EXT_CORRELATION}"
_CAUSATION = f"ce_{EXT_CAUSATION}"


class _Times:
    """`cloudevents.encode`'s `ce_time` of the last time seen (a batch's events mostly share one)."""

    def __init__(self) -> None:
        self.last: datetime | None = None
        self.text = b""

    def header(self, dt: datetime) -> bytes:
        if dt != self.last or dt.tzinfo is not (self.last.tzinfo if self.last else None):
            utc = dt.astimezone(UTC) if dt.utcoffset() else dt
            self.last, self.text = dt, (utc.replace(tzinfo=None).isoformat() + "Z").encode()
        return self.text


def message(service: str, e: RecordedEvent, event_type: str, schema_version: int, value: bytes,
            traceparent: str | None, times: _Times) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """`cloudevents.encode(service, e, ...)` with the event's type and version as mapped and its value encoded
    already: the same key, value and headers in the same order, built without copying the event."""
    m = e.metadata
    stream = str(e.stream_id).encode()
    headers: list[tuple[str, bytes]] = [
        ("ce_specversion", b"1.0"),
        ("ce_id", str(e.event_id).encode()),
        ("ce_source", _text_header(f"/gotong/{service}")),
        ("ce_type", _type_header(service, event_type, schema_version)),
        ("ce_time", times.header(e.occurred_at)),
        ("ce_subject", stream),
        ("content-type", b"application/json"),
        (_POSITION, f"{e.position.tx_id}:{e.position.position}".encode()),
        (_STREAM_TYPE, _text_header(e.stream_type)),
        (_STREAM_VERSION, str(e.version).encode()),
        (_PARTITION_KEY, stream),
    ]
    if m.correlation_id:
        headers.append((_CORRELATION, str(m.correlation_id).encode()))
    if m.causation_id:
        headers.append((_CAUSATION, str(m.causation_id).encode()))
    if traceparent:
        headers.append(("traceparent", traceparent.encode()))
    return stream, value, headers


@dataclass
class _InFlight:
    events: list[RecordedEvent]
    futures: list[asyncio.Future[Any]]
    owner: list[int | None]


@dataclass
class RelayState:
    follower: StoreFollower = field(repr=False)  # its position is the relay's checkpoint
    leader: bool = False
    published: int = 0
    broker: str | None = None  # cluster id of the broker the checkpoint's events were acknowledged by
    republished: int = 0  # how often a new broker made the relay start over

    @property
    def checkpoint(self) -> Position:
        """Up to where every event was acknowledged by the broker (and stored)."""
        return self.follower.position

    @checkpoint.setter
    def checkpoint(self, position: Position) -> None:
        self.follower.position = position


class RelayCheckpoint:
    """The relay's row in `relay_checkpoints`, each read and write in a transaction of its own. `load` makes the
    row if missing and also reads which broker the checkpoint belongs to (`broker_epoch`)."""

    def __init__(self, database: Database, name: str) -> None:
        self.database = database
        self.name = name
        self.broker_epoch: str | None = None

    async def load(self) -> Position:
        async with self.database.transaction() as sql:
            await sql.execute("INSERT INTO relay_checkpoints (name, tx_id, position) VALUES ($1, 0, 0) "
                              "ON CONFLICT (name) DO NOTHING", self.name)
            row = await sql.fetchrow("SELECT tx_id, position, broker_epoch FROM relay_checkpoints WHERE name = $1",
                                     self.name)
        assert row is not None  # inserted above when missing
        self.broker_epoch = row["broker_epoch"]
        return Position(row["tx_id"], row["position"])

    async def save(self, position: Position) -> None:
        async with self.database.transaction() as sql:
            await sql.execute(
                "UPDATE relay_checkpoints SET tx_id = $1, position = $2, updated_at = now() WHERE name = $3",
                position.tx_id, position.position, self.name)


class BrokerChanged(Exception):
    """The broker answering is not the one the relay was publishing to (or its topic changed shape)."""


def producer_for(bootstrap: str, *, idempotent: bool = False, **overrides: Any) -> AIOKafkaProducer:
    config: dict[str, Any] = {
        "bootstrap_servers": bootstrap, "acks": "all", "enable_idempotence": idempotent,
        "linger_ms": 5, "max_batch_size": 1_048_576, "request_timeout_ms": 30_000,
        "retry_backoff_ms": 200, "metadata_max_age_ms": 30_000,
    }
    config.update(overrides)
    return AIOKafkaProducer(**config)


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        service: str,
        bootstrap: str,
        topic: str | None = None,
        name: str = "outbox",
        batch_size: int = 1000,
        poll_interval: float = 0.05,
        idempotent: bool = False,
        mapper: ContractMapper | None = None,
        producer_overrides: dict[str, Any] | None = None,
        watermarks: bool = True,
        watermark_every: int = 5_000,
        partitions: int = 6,
        replication_factor: int = 1,
        broker_check_interval: float = 2.0,
    ) -> None:
        self.engine = engine
        self.store = PostgresEventStore(engine)
        self.follower = StoreFollower(self.store, batch_size=batch_size)
        self.service = service
        self.bootstrap = bootstrap
        self.topic = topic or events_topic(service)
        self.name = name
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.partitions = partitions
        self.replication_factor = replication_factor
        self.broker_check_interval = broker_check_interval
        self._last_broker_check = 0.0
        self._watch = BrokerWatch(bootstrap)
        self.idempotent = idempotent
        self.mapper = mapper
        self.producer_overrides = producer_overrides or {}
        self.state = RelayState(self.follower)
        self.producer: AIOKafkaProducer | None = None
        self._lock_conn: AsyncConnection | None = None
        self._last_lag_update = 0.0
        self._partitions: dict[bytes, int] = {}
        self.watermarks = watermarks
        # Through a backlog too, a watermark every this many events: a consumer replaying it seals as it reads
        # instead of staging everything until the relay caught up.
        self.watermark_every = watermark_every
        self._watermark_sent = START
        self._published_at_watermark = 0
        self._partition_count: int | None = None
        self._times = _Times()

    # -- leadership and checkpoint -------------------------------------------------------------------
    async def _acquire_leadership(self) -> bool:
        if self._lock_conn is None:
            self._lock_conn = await self.engine.connect()
        got = await self._lock_conn.scalar(
            text("SELECT pg_try_advisory_lock(hashtext('gotong-relay:' || :n))"), {"n": self.name})
        await self._lock_conn.commit()  # the lock is session-level; the connection stays ours
        self.state.leader = bool(got)
        return self.state.leader

    async def _release_leadership(self) -> None:
        """Give the lock back. The connection returns to a pool, so the session lock must be released
        explicitly (or the connection discarded), or no other relay could ever take over."""
        if self._lock_conn is not None:
            try:
                if self.state.leader:
                    await self._lock_conn.execute(
                        text("SELECT pg_advisory_unlock(hashtext('gotong-relay:' || :n))"), {"n": self.name})
                    await self._lock_conn.commit()
                await self._lock_conn.close()
            except Exception:
                with contextlib.suppress(Exception):
                    await self._lock_conn.invalidate()
            self._lock_conn = None
        self.state.leader = False

    async def load_checkpoint(self) -> Position:
        checkpoint = RelayCheckpoint(self.store.database, self.name)
        await self.follower.resume(checkpoint)
        self.state.broker = checkpoint.broker_epoch
        return self.state.checkpoint

    async def _adopt_broker(self, info: BrokerInfo) -> BrokerInfo:
        """Record which broker holds what we publish. Another one than the checkpoint's knows nothing we sent
        before: republish everything (consumers skip by store position what they applied already). Its topic
        may have been auto-created by a client's lookup with the broker's default partition count before we
        could create it; a stream's partition is its key modulo the count, so such a topic (which holds only
        records the republishing replaces) is recreated with ours."""
        if not info.cluster_id:
            return info
        async with self.engine.begin() as conn:
            row = (await conn.execute(
                text("SELECT broker_epoch FROM relay_checkpoints WHERE name = :n FOR UPDATE"),
                {"n": self.name})).one_or_none()
            if row is None or row.broker_epoch == info.cluster_id:
                self.state.broker = info.cluster_id
                return info
            if row.broker_epoch is not None:
                log.warning("the broker changed; republishing everything from the start",
                            extra={"relay": self.name, "broker": info.cluster_id,
                                   "previous_broker": row.broker_epoch})
                metrics.RELAY_REPUBLISHES.labels(self.service).inc()
                self.state.republished += 1
                self.state.checkpoint = START
                self._watermark_sent = START
                if info.partitions.get(self.topic) not in (None, self.partitions):
                    log.warning("topic recreated with the configured partition count",
                                extra={"relay": self.name, "topic": self.topic,
                                       "found": info.partitions.get(self.topic), "partitions": self.partitions})
                    await delete_topics(self.bootstrap, [self.topic])
                    info = await self._inspect()
            await conn.execute(
                text("UPDATE relay_checkpoints SET broker_epoch = :e, tx_id = :t, position = :p, updated_at = now() "
                     "WHERE name = :n"),
                {"n": self.name, "e": info.cluster_id, "t": self.state.checkpoint.tx_id,
                 "p": self.state.checkpoint.position})
        self.state.broker = info.cluster_id
        return info

    async def _save_checkpoint(self, pos: Position) -> None:
        await self.follower.advance(RelayCheckpoint(self.store.database, self.name), pos)

    # -- publishing --------------------------------------------------------------------------------
    async def _inspect(self) -> BrokerInfo:
        """Who answers, with our topic and its dead-letter topic created (our partition count) if missing."""
        return await inspect_broker(self.bootstrap, [self.topic, dlq_topic(self.topic)], self.partitions,
                                    self.replication_factor)

    async def _ensure_producer(self) -> AIOKafkaProducer:
        """A producer to the broker that answers now; a new broker first makes the relay start over."""
        if self.producer is None:
            # Topics first: a producer's lookup of a missing topic would auto-create it with another count.
            info = await self._adopt_broker(await self._inspect())
            producer = producer_for(self.bootstrap, idempotent=self.idempotent, **self.producer_overrides)
            await producer.start()
            self.producer = producer
            self._partitions.clear()  # a stream's partition depends on the count, which may differ now
            self._partition_count = info.partitions.get(self.topic) or len(await producer.partitions_for(self.topic))
            self._last_broker_check = time.monotonic()
        return self.producer

    async def _verify_broker(self) -> None:
        """Before sending: the broker we adopted still answers (a producer reconnects to a new one silently)."""
        current = await self._watch.cluster_id()
        if current and self.state.broker and current != self.state.broker:
            raise BrokerChanged(f"broker {current} answers; published to {self.state.broker}")

    async def _check_broker(self, *, force: bool = False) -> None:
        """Every `broker_check_interval`: raise BrokerChanged if another broker answers or the topic changed."""
        if self.producer is None or (not force and
                                     time.monotonic() - self._last_broker_check < self.broker_check_interval):
            return
        self._last_broker_check = time.monotonic()
        info = await self._inspect()
        if info.cluster_id and self.state.broker and info.cluster_id != self.state.broker:
            raise BrokerChanged(f"broker {info.cluster_id} answers; published to {self.state.broker}")
        count = info.partitions.get(self.topic)
        if count and self._partition_count and count != self._partition_count:
            raise BrokerChanged(f"{self.topic} has {count} partitions now, {self._partition_count} before")

    async def _close_producer(self) -> None:
        self._partition_count = None
        self._partitions.clear()
        if self.producer is not None:
            with contextlib.suppress(Exception):
                await self.producer.stop()
            self.producer = None

    def _encode(self, e: RecordedEvent) -> tuple[bytes, bytes, list[tuple[str, bytes]]] | None:
        event_type, schema_version, data = e.event_type, e.schema_version, e.data
        if self.mapper is not None:
            mapped = self.mapper(e)
            if mapped is None:
                return None
            event_type, schema_version, data = mapped
        if e.metadata.traceparent:
            with tracer.start_as_current_span(
                f"{self.topic} publish", context=context_from_traceparent(e.metadata.traceparent),
                kind=SpanKind.PRODUCER,
                attributes={"messaging.system": "kafka", "messaging.destination.name": self.topic,
                            "messaging.operation.type": "send", "messaging.message.id": str(e.event_id)},
            ):
                return message(self.service, e, event_type, schema_version, dumpb(data),
                               current_traceparent() or e.metadata.traceparent, self._times)
        return message(self.service, e, event_type, schema_version, dumpb(data), None, self._times)

    async def _partition(self, producer: AIOKafkaProducer, key: bytes) -> int:
        """Kafka's default partitioner (murmur2 of the key), cached per stream: a stream's events stay together."""
        p = self._partitions.get(key)
        if p is None:
            if self._partition_count is None:
                self._partition_count = len(await producer.partitions_for(self.topic))
            if len(self._partitions) > 200_000:
                self._partitions.clear()
            p = self._partitions[key] = (murmur2(key) & 0x7FFFFFFF) % self._partition_count
        return p

    async def _send(self, events: list[RecordedEvent]) -> _InFlight:
        """Hand a batch to the producer as one record batch per partition, without waiting for acks."""
        producer = await self._ensure_producer()
        builders: dict[int, Any] = {}
        futures: list[asyncio.Future[Any]] = []
        owner: list[int | None] = []  # per event: index of the future that acknowledges it (None: not published)
        pending: dict[int, list[int]] = {}  # partition -> events in its open builder

        async def flush(p: int) -> None:
            futures.append(await producer.send_batch(builders.pop(p), self.topic, partition=p))
            for i in pending.pop(p):
                owner[i] = len(futures) - 1

        for i, e in enumerate(events):
            owner.append(None)
            encoded = self._encode(e)
            if encoded is None:
                continue
            key, value, headers = encoded
            if self.state.broker:
                headers.append((BROKER_HEADER, self.state.broker.encode()))
            p = await self._partition(producer, key)
            builder = builders.get(p)
            if builder is None:
                builder = builders[p] = producer.create_batch()
            if builder.append(timestamp=None, key=key, value=value, headers=headers) is None:
                await flush(p)
                builder = builders[p] = producer.create_batch()
                builder.append(timestamp=None, key=key, value=value, headers=headers)
            pending.setdefault(p, []).append(i)
        for p in list(builders):
            await flush(p)
        return _InFlight(events, futures, owner)

    async def _settle(self, batch: _InFlight) -> Position:
        """Wait for a batch's acknowledgements; move the checkpoint over the acknowledged prefix."""
        results = await asyncio.gather(*batch.futures, return_exceptions=True)
        acked = self.state.checkpoint
        failure: BaseException | None = None
        for e, owner in zip(batch.events, batch.owner, strict=True):
            outcome = results[owner] if owner is not None else None
            if isinstance(outcome, BaseException):
                failure = outcome
                break
            acked = max(acked, e.position)
        if acked != self.state.checkpoint:
            done = sum(1 for e in batch.events if self.state.checkpoint < e.position <= acked)
            await self._save_checkpoint(acked)
            metrics.RELAY_PUBLISHED.labels(self.service).inc(done)
            self.state.published += done
        if failure is not None:
            raise failure
        return acked

    def _watermark_due(self) -> bool:
        return self.watermarks and self.state.checkpoint not in (self._watermark_sent, START)

    def _backlog_watermark_due_after(self, in_flight: _InFlight) -> bool:
        """Whether a backlog watermark is due once `in_flight` is acknowledged."""
        due = self.state.published + len(in_flight.events) - self._published_at_watermark >= self.watermark_every
        return self.watermarks and due

    async def _send_watermark(self) -> None:
        """When caught up (and every `watermark_every` events of a backlog), tell every partition how far the
        relay has published (see `encode_watermark`)."""
        if not self._watermark_due():
            return
        producer = await self._ensure_producer()
        if self._partition_count is None:
            self._partition_count = len(await producer.partitions_for(self.topic))
        headers, value = encode_watermark(self.service, self.state.checkpoint)
        if self.state.broker:
            headers.append((BROKER_HEADER, self.state.broker.encode()))
        futures = [await producer.send(self.topic, value=value, headers=headers, partition=p)
                   for p in range(self._partition_count)]
        await asyncio.gather(*futures)
        self._watermark_sent = self.state.checkpoint
        self._published_at_watermark = self.state.published

    async def publish(self, events: list[RecordedEvent]) -> Position:
        """Send a batch and wait; return the position up to which every event was acknowledged."""
        return await self._settle(await self._send(events))

    async def run_once(self) -> int:
        """Publish one batch after the checkpoint; returns how many events it covered."""
        events = await self.follower.read(limit=self.batch_size)
        if events:
            await self.publish(events)
        await self._update_lag()
        return len(events)

    async def _pump(self, stop: asyncio.Event | None = None) -> int:
        """Publish until caught up, reading the next batch while the previous one awaits its acks."""
        await self._ensure_producer()  # a new broker resets the checkpoint: connect before reading after it
        total = 0
        in_flight: _InFlight | None = None
        changed = False
        verified = False
        try:
            while stop is None or not stop.is_set():
                after = in_flight.events[-1].position if in_flight else self.state.checkpoint
                events = await self.follower.read(after, self.batch_size)
                if events and not verified:
                    await self._verify_broker()
                    verified = True
                if events and in_flight is not None and self._backlog_watermark_due_after(in_flight):
                    # The watermark goes right behind the batch it covers, before the next one is sent: a
                    # consumer that has read it on every partition has read nothing past it, and can seal all it
                    # read at once (sent after the next batch, the next batch's records would wait in staging).
                    await self._settle(in_flight)
                    in_flight = None
                    await self._check_broker(force=True)
                    await self._send_watermark()
                sent = await self._send(events) if events else None
                if in_flight is not None:
                    await self._settle(in_flight)
                in_flight = sent
                total += len(events)
                await self._update_lag()
                if in_flight is None:
                    # Never tell consumers "all sent" on behalf of another broker: check before a watermark.
                    await self._check_broker(force=self._watermark_due())
                    await self._send_watermark()
                    break
                await self._check_broker()
        except BrokerChanged:
            changed = True
            raise
        finally:
            if in_flight is not None and not changed and (stop is None or not stop.is_set()):
                await self._settle(in_flight)
        return total

    async def _update_lag(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_lag_update < 1.0:
            return
        self._last_lag_update = now
        async with self.store.database.statement() as sql:
            row = await sql.fetchrow(
                "SELECT count(*) AS n, min(recorded_at) AS oldest FROM (SELECT recorded_at FROM events "
                "WHERE (tx_id, position) > ($1::text::xid8, $2::bigint) LIMIT 1000000) s",
                str(self.state.checkpoint.tx_id), self.state.checkpoint.position)
        assert row is not None  # an aggregate always answers one row
        metrics.RELAY_LAG_EVENTS.labels(self.service).set(row["n"])
        age = (datetime.now(UTC) - row["oldest"]).total_seconds() if row["oldest"] else 0.0
        metrics.RELAY_LAG_SECONDS.labels(self.service).set(max(age, 0.0))

    async def lag(self) -> int:
        return await self.follower.lag()

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until `stop` is set. Survives broker and database outages by backing off and retrying."""
        backoff = 0.2
        # What exists when the relay starts (modules, the app) lives as long as the process: out of the cycle
        # collector's scans, which each batch's thousands of decoded events would otherwise trigger over all of
        # it again and again (measured: a fifth of the relay's CPU per event).
        settle_once()
        lag = asyncio.create_task(self._lag_loop(stop), name=f"relay-lag-{self.service}")
        try:
            while not stop.is_set():
                try:
                    if not self.state.leader:
                        if not await self._acquire_leadership():
                            await _wait(stop, 2.0)
                            continue
                        await self.load_checkpoint()
                    await self._pump(stop)
                    backoff = 0.2
                    await _wait(stop, self.poll_interval)
                except asyncio.CancelledError:
                    raise
                except BrokerChanged as err:  # reconnect: the new broker is adopted (and republished to) at once
                    log.warning("relay reconnecting: %s", err, extra={"relay": self.name})
                    await self._close_producer()
                except Exception as err:  # broker or database trouble: keep the backlog, retry later
                    metrics.RELAY_ERRORS.labels(self.service).inc()
                    log.warning("relay publish failed, will retry: %s", type(err).__name__,
                                extra={"relay": self.name, "error": str(err)[:300]})
                    if not _is_kafka_error(err):
                        await self._release_leadership()  # the database connection may be gone
                    await self._close_producer()
                    await _wait(stop, backoff)
                    backoff = min(backoff * 2, 5.0)
        finally:
            lag.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await lag
        await self.close()

    async def _lag_loop(self, stop: asyncio.Event) -> None:
        """Lag from the database every second, whether or not the broker acknowledges anything (a stalled
        broker must show as a growing lag, not as the last figure before it stalled)."""
        while not stop.is_set():
            if self.state.leader:
                with contextlib.suppress(Exception):
                    await self._update_lag(force=True)
            await _wait(stop, 1.0)

    async def close(self) -> None:
        await self._watch.close()
        await self._close_producer()
        await self._release_leadership()

    async def drain(self, timeout: float = 60.0) -> None:
        """Publish until nothing is left (tests, benchmarks)."""
        if not self.state.leader:
            await self._acquire_leadership()
            await self.load_checkpoint()
        deadline = time.monotonic() + timeout
        while True:
            try:
                n = await self._pump()
            except BrokerChanged:
                await self._close_producer()  # the next pump adopts the new broker and starts over
                continue
            if n == 0 and await self.lag() == 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"relay still has {await self.lag()} events after {timeout}s")


def _is_kafka_error(err: BaseException) -> bool:
    from aiokafka.errors import KafkaError

    return isinstance(err, KafkaError | asyncio.TimeoutError)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


@contextlib.asynccontextmanager
async def relay_lifespan(app: Any) -> AsyncIterator[None]:
    """Lifespan hook: run the service's relay in the background and report Kafka in /readyz."""
    from gotong.api.app import runtime

    kit = runtime(app)
    settings = kit.settings
    relay = OutboxRelay(
        kit.engine, service=settings.service_name, bootstrap=settings.kafka_bootstrap_servers,
        batch_size=settings.relay_batch_size, poll_interval=settings.relay_poll_interval_s,
        idempotent=settings.kafka_idempotent_producer, mapper=kit.contract_mapper,
        partitions=settings.kafka_partitions, replication_factor=settings.kafka_replication_factor,
    )
    app.state.relay = relay

    async def kafka() -> tuple[str, bool]:
        return await kafka_reachable(settings.kafka_bootstrap_servers)

    kit.readiness_checks.append(kafka)
    loops = [(f"relay-{settings.service_name}", relay.run)] if settings.relay_enabled else []
    async with running(loops):
        yield


async def kafka_reachable(bootstrap: str) -> tuple[str, bool]:
    """Readiness check: a metadata round trip to the broker."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=2000)
    try:
        await asyncio.wait_for(admin.start(), 2.0)
        await asyncio.wait_for(admin.list_topics(), 2.0)
        return "kafka", True
    except Exception:
        return "kafka", False
    finally:
        with contextlib.suppress(Exception):
            await admin.close()
