"""The outbox relay: publishes committed events to `<service>.events` in store order, at least once.

The events table is the outbox. The relay tails it (see `PostgresEventStore.read_all`), sends each event as a
CloudEvent keyed by stream id, and moves its checkpoint (kept in the same database) only past events the broker
acknowledged. Kafka down or paused: commands still commit, the backlog waits, and drains when Kafka is back.
One relay per database publishes at a time (a PostgreSQL advisory lock); others stand by.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import murmur2
from opentelemetry.trace import SpanKind
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gotong.eventstore.model import START, Position, RecordedEvent
from gotong.eventstore.postgres import PostgresEventStore, driver_connection
from gotong.messaging import metrics
from gotong.messaging.cloudevents import encode, encode_watermark
from gotong.messaging.topics import events_topic
from gotong.observability.tracing import context_from_traceparent, current_traceparent, tracer

log = logging.getLogger("gotong.relay")

#: Maps an internal event to its published contract: (event_type, schema_version, data), or None to keep it
#: internal. The default publishes the stored event as it is.
ContractMapper = Callable[[RecordedEvent], tuple[str, int, dict[str, Any]] | None]


@dataclass
class _InFlight:
    events: list[RecordedEvent]
    futures: list[asyncio.Future[Any]]
    owner: list[int | None]


@dataclass
class RelayState:
    checkpoint: Position = START
    leader: bool = False
    published: int = 0


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
        broker_epoch: str | None = None,
        idempotent: bool = False,
        mapper: ContractMapper | None = None,
        producer_overrides: dict[str, Any] | None = None,
        watermarks: bool = True,
    ) -> None:
        self.engine = engine
        self.store = PostgresEventStore(engine)
        self.service = service
        self.bootstrap = bootstrap
        self.topic = topic or events_topic(service)
        self.name = name
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.broker_epoch = broker_epoch
        self.idempotent = idempotent
        self.mapper = mapper
        self.producer_overrides = producer_overrides or {}
        self.state = RelayState()
        self.producer: AIOKafkaProducer | None = None
        self._lock_conn: AsyncConnection | None = None
        self._last_lag_update = 0.0
        self._partitions: dict[bytes, int] = {}
        self.watermarks = watermarks
        self._watermark_sent = START
        self._partition_count: int | None = None

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
        async with self.engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO relay_checkpoints (name, tx_id, position, broker_epoch) "
                     "VALUES (:n, 0, 0, :e) ON CONFLICT (name) DO NOTHING"),
                {"n": self.name, "e": self.broker_epoch})
            row = (await conn.execute(
                text("SELECT tx_id, position, broker_epoch FROM relay_checkpoints WHERE name = :n FOR UPDATE"),
                {"n": self.name})).one()
            if self.broker_epoch and row.broker_epoch != self.broker_epoch:
                # A new broker knows nothing we sent before: publish everything again. Consumers track the
                # store position, so the republished events change nothing where they were applied already.
                log.warning("new broker epoch; republishing from the start", extra={"relay": self.name})
                await conn.execute(
                    text("UPDATE relay_checkpoints SET tx_id = 0, position = 0, broker_epoch = :e, "
                         "updated_at = now() WHERE name = :n"), {"n": self.name, "e": self.broker_epoch})
                self.state.checkpoint = START
            else:
                self.state.checkpoint = Position(row.tx_id, row.position)
        return self.state.checkpoint

    async def _save_checkpoint(self, pos: Position) -> None:
        async with self.engine.begin() as conn:
            driver = await driver_connection(conn)
            await driver.execute(
                "UPDATE relay_checkpoints SET tx_id = $1, position = $2, updated_at = now() WHERE name = $3",
                pos.tx_id, pos.position, self.name)
        self.state.checkpoint = pos

    # -- publishing --------------------------------------------------------------------------------
    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self.producer is None:
            producer = producer_for(self.bootstrap, idempotent=self.idempotent, **self.producer_overrides)
            await producer.start()
            self.producer = producer
        return self.producer

    async def _close_producer(self) -> None:
        self._partition_count = None
        if self.producer is not None:
            with contextlib.suppress(Exception):
                await self.producer.stop()
            self.producer = None

    def _encode(self, e: RecordedEvent) -> tuple[bytes, bytes, list[tuple[str, bytes]]] | None:
        data = None
        if self.mapper is not None:
            mapped = self.mapper(e)
            if mapped is None:
                return None
            event_type, schema_version, data = mapped
            e = RecordedEvent(**{**{s: getattr(e, s) for s in RecordedEvent.__slots__},
                                 "event_type": event_type, "schema_version": schema_version})
        if e.metadata.traceparent:
            with tracer.start_as_current_span(
                f"{self.topic} publish", context=context_from_traceparent(e.metadata.traceparent),
                kind=SpanKind.PRODUCER,
                attributes={"messaging.system": "kafka", "messaging.destination.name": self.topic,
                            "messaging.operation.type": "send", "messaging.message.id": str(e.event_id)},
            ):
                return encode(self.service, e, traceparent=current_traceparent(), data=data)
        return encode(self.service, e, data=data)

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

    async def _send_watermark(self) -> None:
        """When caught up, tell every partition how far the relay has published (see `encode_watermark`)."""
        if not self.watermarks or self.state.checkpoint == self._watermark_sent or self.state.checkpoint == START:
            return
        producer = await self._ensure_producer()
        if self._partition_count is None:
            self._partition_count = len(await producer.partitions_for(self.topic))
        headers, value = encode_watermark(self.service, self.state.checkpoint)
        futures = [await producer.send(self.topic, value=value, headers=headers, partition=p)
                   for p in range(self._partition_count)]
        await asyncio.gather(*futures)
        self._watermark_sent = self.state.checkpoint

    async def publish(self, events: list[RecordedEvent]) -> Position:
        """Send a batch and wait; return the position up to which every event was acknowledged."""
        return await self._settle(await self._send(events))

    async def run_once(self) -> int:
        """Publish one batch after the checkpoint; returns how many events it covered."""
        events = await self.store.read_all(self.state.checkpoint, self.batch_size)
        if events:
            await self.publish(events)
        await self._update_lag()
        return len(events)

    async def _pump(self, stop: asyncio.Event | None = None) -> int:
        """Publish until caught up, reading the next batch while the previous one awaits its acks."""
        total = 0
        in_flight: _InFlight | None = None
        try:
            while stop is None or not stop.is_set():
                after = in_flight.events[-1].position if in_flight else self.state.checkpoint
                events = await self.store.read_all(after, self.batch_size)
                sent = await self._send(events) if events else None
                if in_flight is not None:
                    await self._settle(in_flight)
                in_flight = sent
                total += len(events)
                await self._update_lag()
                if in_flight is None:
                    await self._send_watermark()
                    break
        finally:
            if in_flight is not None and (stop is None or not stop.is_set()):
                await self._settle(in_flight)
        return total

    async def _update_lag(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last_lag_update < 1.0:
            return
        self._last_lag_update = now
        async with self.engine.connect() as conn:
            driver = await driver_connection(conn, begin=False)
            row = await driver.fetchrow(
                "SELECT count(*) AS n, min(recorded_at) AS oldest FROM (SELECT recorded_at FROM events "
                "WHERE (tx_id, position) > ($1::text::xid8, $2::bigint) LIMIT 1000000) s",
                str(self.state.checkpoint.tx_id), self.state.checkpoint.position)
            await conn.rollback()
        metrics.RELAY_LAG_EVENTS.labels(self.service).set(row["n"])
        age = (datetime.now(UTC) - row["oldest"]).total_seconds() if row["oldest"] else 0.0
        metrics.RELAY_LAG_SECONDS.labels(self.service).set(max(age, 0.0))

    async def lag(self) -> int:
        return await self.store.count_after(self.state.checkpoint)

    async def run(self, stop: asyncio.Event) -> None:
        """Publish until `stop` is set. Survives broker and database outages by backing off and retrying."""
        backoff = 0.2
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
            except Exception as err:  # broker or database trouble: keep the backlog, retry later
                metrics.RELAY_ERRORS.labels(self.service).inc()
                log.warning("relay publish failed, will retry: %s", type(err).__name__,
                            extra={"relay": self.name, "error": str(err)[:300]})
                if not _is_kafka_error(err):
                    await self._release_leadership()  # the database connection may be gone
                await self._close_producer()
                await _wait(stop, backoff)
                backoff = min(backoff * 2, 5.0)
        await self.close()

    async def close(self) -> None:
        await self._close_producer()
        await self._release_leadership()

    async def drain(self, timeout: float = 60.0) -> None:
        """Publish until nothing is left (tests, benchmarks)."""
        if not self.state.leader:
            await self._acquire_leadership()
            await self.load_checkpoint()
        deadline = time.monotonic() + timeout
        while True:
            n = await self._pump()
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
    settings = app.state.settings
    stop = asyncio.Event()
    relay = OutboxRelay(
        app.state.engine, service=settings.service_name, bootstrap=settings.kafka_bootstrap_servers,
        batch_size=settings.relay_batch_size, poll_interval=settings.relay_poll_interval_s,
        broker_epoch=getattr(settings, "broker_epoch", None) or _env_epoch(),
        idempotent=settings.kafka_idempotent_producer, mapper=getattr(app.state, "contract_mapper", None),
    )
    app.state.relay = relay
    checks = getattr(app.state, "readiness_checks", None)
    if checks is None:
        checks = app.state.readiness_checks = []
    checks.append(lambda: kafka_reachable(settings.kafka_bootstrap_servers))
    task = asyncio.create_task(relay.run(stop), name=f"relay-{settings.service_name}") \
        if settings.relay_enabled else None
    try:
        yield
    finally:
        stop.set()
        if task is not None:
            try:
                await asyncio.wait_for(task, 15)
            except (TimeoutError, asyncio.CancelledError):
                task.cancel()


def _env_epoch() -> str | None:
    import os

    return os.environ.get("GOTONG_BROKER_EPOCH")


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
