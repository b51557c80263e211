"""Consumers with exactly-once effect: state change and position commit in one database transaction.

For every partition the consumer keeps, in its own database, the next Kafka offset and the last applied source
store position (the `ce_storeposition` of the event). It seeks to the stored offset on start and on every
assignment, and skips any event at or before the stored source position — so redelivery, a relay republishing
from zero, or a broker that forgot everything changes nothing. A poison event (the handler raises) is sent to
`<topic>.dlq` with the error and recorded; the partition moves on. Database trouble is not poison: the batch
is retried until the database answers.

A broker that lost everything (a restarted memory broker) answers with a new cluster id and renumbers offsets
from zero. After every fetch that returned records the consumer asks who answers; on a new broker it drops what
it fetched, rereads every partition from the start and ignores records the relay published for the previous
broker (header `gotong-broker`): the relay republishes everything for the new one, in order.

While a poll's transaction runs, the next poll is fetched and decoded (`readahead`): what was read for a
partition seeked since (an assignment, a rebalance) or no longer assigned is dropped and read again from its new
position, a new broker found after a fetch is reported to the next poll, and a poll whose transaction fails puts
what was read ahead back.

A batch consumer may hold records past the lowest watermark any partition has reached (`hold_past_watermark`):
read but neither applied nor counted in its stored offsets, and the partitions ahead paused until the others catch
up, so that each transaction covers every partition up to one watermark (what the transparency log seals at once).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.structs import ConsumerRecord
from opentelemetry.trace import SpanKind
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gotong.adapters.sql import Database, Sql
from gotong.background import running
from gotong.eventstore.model import START, Position
from gotong.heap import settle_once
from gotong.messaging import metrics
from gotong.messaging.cloudevents import EXT_POSITION, WATERMARK_TYPE, CloudEvent, decode
from gotong.messaging.readahead import Decoded, ReadAhead
from gotong.messaging.relay import BROKER_HEADER, producer_for
from gotong.messaging.topics import BrokerWatch, dlq_topic, inspect_broker
from gotong.observability.tracing import context_from_traceparent, tracer
from gotong.transient import is_transient

log = logging.getLogger("gotong.consumer")

_WATERMARK = WATERMARK_TYPE.encode()
_POSITION_HEADER = f"ce_{EXT_POSITION}"


@dataclass(frozen=True, slots=True)
class Delivered:
    """One event as a handler sees it: the CloudEvent and where it came from."""

    event: CloudEvent
    topic: str
    partition: int
    offset: int


class DeliveredBatch(list[Delivered]):
    """What a batch handler gets: the events of one poll of one topic (every partition the poll brought, each
    partition's events in order), and where those partitions stand once they are applied — `watermarks`, for
    each partition in the batch the producer's watermark read in or before it (every event at or before it has
    arrived on that partition), and `partitions`, every partition the topic has now.
    A handler that needs every partition's progress (the transparency log's seal horizon) reads the others'
    from `consumer_positions` and these from here: they are saved in the same transaction, after the handler.
    (`partition` and `watermark` build a batch of one partition.)"""

    def __init__(self, messages: list[Delivered], *, consumer: str, topic: str, partitions: Sequence[int],
                 watermarks: Mapping[int, Position] | None = None, partition: int | None = None,
                 watermark: Position = START) -> None:
        super().__init__(messages)
        self.consumer = consumer
        self.topic = topic
        if watermarks is None:
            if partition is None:
                raise ValueError("a batch needs its partitions' watermarks")
            watermarks = {partition: watermark}
        self.watermarks = dict(watermarks)
        self.partitions = tuple(partitions)


class Handler(Protocol):
    async def __call__(self, conn: AsyncConnection, message: Delivered) -> None: ...


class BatchHandler(Protocol):
    """Applies many events in one go (a replay at tens of thousands of events a second needs set-wise writes):
    every partition of one poll, in one transaction with their positions. Must give the same result as applying
    them one by one, in order. To find a poison event it is also called with one event (a plain list)."""

    async def __call__(self, conn: AsyncConnection, messages: list[Delivered]) -> None: ...


@dataclass
class _Tracking:
    offset: int
    source: Position
    watermark: Position = START
    broker: str | None = None  # cluster id of the broker `offset` counts on


@dataclass
class _Pass:
    """One partition's records in one transaction: where it stands, and what reading them found."""

    tp: TopicPartition
    tracking: _Tracking
    collected: list[Delivered] = field(default_factory=list)
    dead: list[tuple[ConsumerRecord[Any, Any], BaseException]] = field(default_factory=list)
    applied: int = 0
    skipped: int = 0
    stale: int = 0


class BrokerChanged(Exception):
    """Another broker answers than the one this consumer's offsets count on."""


class PartitionsChanged(BrokerChanged):
    """A topic has other partitions than the consumer was assigned: assign them again (from stored positions)."""


def _transient(err: BaseException) -> bool:
    return is_transient(err)


class EventConsumer:
    """Reads topics and applies a handler with exactly-once effect.

    `group_id` None (default) assigns every partition to this one instance (Tansu's groups are its least
    certain part); with a group id, partitions are shared by a Kafka consumer group and every assignment seeks
    to the positions stored in the database, so rebalances neither lose nor double anything.
    """

    def __init__(self, engine: AsyncEngine, *, name: str, topics: Sequence[str], handler: Handler | None = None,
                 bootstrap: str, group_id: str | None = None, max_batch: int = 500,
                 dlq_enabled: bool = True, batch_handler: BatchHandler | None = None,
                 broker_check_interval: float = 2.0, max_partition_fetch_bytes: int = 1_048_576,
                 hold_past_watermark: bool = False, read_ahead: bool = True) -> None:
        if handler is None and batch_handler is None:
            raise ValueError("a consumer needs a handler or a batch_handler")
        self.engine = engine
        self.database = Database(engine)
        self.name = name
        self.topics = list(topics)
        self.handler = handler
        self.batch_handler = batch_handler
        self.bootstrap = bootstrap
        self.group_id = group_id
        self.max_batch = max_batch
        # Kafka's default (1 MiB a partition per fetch) cuts a replay into small batches; a consumer whose handler
        # works set-wise asks for more at once (Tansu serves 8 MiB fetches).
        self.max_partition_fetch_bytes = max_partition_fetch_bytes
        # A batch handler that seals what every partition has passed (the transparency log) does least when each
        # poll stops every partition at the same watermark: records past the lowest partition's watermark are held
        # here (read, not applied, their offsets not saved) until it catches up, instead of waiting in staging.
        self.hold_past_watermark = hold_past_watermark and batch_handler is not None and group_id is None
        self._held: dict[TopicPartition, list[ConsumerRecord[Any, Any]]] = {}
        self._marks: dict[TopicPartition, Position] = {}  # each partition's watermark as applied
        self.read_ahead = read_ahead
        self._ahead: ReadAhead | None = None
        self._seeks: Counter[TopicPartition] = Counter()  # each partition's seek generation
        self._decoded: dict[TopicPartition, Decoded] = {}  # events read ahead, by offset, until admitted
        self.dlq_enabled = dlq_enabled
        self.consumer: AIOKafkaConsumer | None = None
        self._dlq_producer: Any = None
        self.applied = 0
        self.dead = 0
        self._next_offsets: dict[TopicPartition, int] = {}
        self._stop: asyncio.Event | None = None
        self.broker: str | None = None  # cluster id of the broker read from
        self.broker_changes = 0
        self.broker_check_interval = broker_check_interval
        self._watch = BrokerWatch(bootstrap)
        self._last_broker_check = 0.0
        self._last_partition_check = 0.0

    # -- positions --------------------------------------------------------------------------------
    async def _load_tracking(self, sql: Sql, tp: TopicPartition, *, lock: bool) -> _Tracking | None:
        row = await sql.fetchrow(
            "SELECT kafka_offset, source_tx_id, source_position, watermark_tx_id, watermark_position, "
            "broker_epoch FROM consumer_positions "
            "WHERE consumer = $1 AND topic = $2 AND partition = $3" + (" FOR UPDATE" if lock else ""),
            self.name, tp.topic, tp.partition)
        if row is None:
            return None
        return _Tracking(row[0], Position(row[1], row[2]), Position(row[3], row[4]), row[5])

    async def _save_tracking(self, sql: Sql, tp: TopicPartition, t: _Tracking) -> None:
        await sql.execute(
            "INSERT INTO consumer_positions (consumer, topic, partition, kafka_offset, source_tx_id, "
            "source_position, watermark_tx_id, watermark_position, broker_epoch) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
            "ON CONFLICT (consumer, topic, partition) DO UPDATE SET kafka_offset = excluded.kafka_offset, "
            "source_tx_id = excluded.source_tx_id, source_position = excluded.source_position, "
            "watermark_tx_id = excluded.watermark_tx_id, watermark_position = excluded.watermark_position, "
            "broker_epoch = excluded.broker_epoch, updated_at = now()",
            self.name, tp.topic, tp.partition, t.offset, t.source.tx_id, t.source.position, t.watermark.tx_id,
            t.watermark.position, self.broker or t.broker)

    async def seek_to_stored(self, partitions: Sequence[TopicPartition]) -> None:
        assert self.consumer is not None
        if not partitions:
            return
        ends = await self.consumer.end_offsets(list(partitions))
        async with self.database.read() as sql:
            for tp in partitions:
                t = await self._load_tracking(sql, tp, lock=False)
                self._held.pop(tp, None)
                self._decoded.pop(tp, None)
                self._seeks[tp] += 1  # what was read ahead for it is stale
                self.consumer.resume(tp)
                self._marks[tp] = START if t is None else t.watermark
                if t is None or t.offset > ends.get(tp, 0) or (t.broker and self.broker and t.broker != self.broker):
                    # Nothing stored, or offsets that count on another broker (one that restarted empty): read
                    # from the start and let the stored source position skip what was applied already.
                    self.consumer.seek(tp, 0)
                    self._next_offsets[tp] = 0
                else:
                    self.consumer.seek(tp, t.offset)
                    self._next_offsets[tp] = t.offset

    # -- lifecycle ----------------------------------------------------------------------------------
    async def start(self) -> None:
        settle_once()
        if self.dlq_enabled:  # created with the right partitions before a send could auto-create them
            await inspect_broker(self.bootstrap, [dlq_topic(t) for t in self.topics])
        self.broker = await self._watch.cluster_id() or None
        self._last_broker_check = asyncio.get_running_loop().time()
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, group_id=self.group_id, enable_auto_commit=False,
            auto_offset_reset="earliest", max_poll_records=self.max_batch, isolation_level="read_uncommitted",
            fetch_max_wait_ms=200, max_partition_fetch_bytes=self.max_partition_fetch_bytes,
            fetch_max_bytes=max(52_428_800, 4 * self.max_partition_fetch_bytes),
        )
        await consumer.start()
        self.consumer = consumer
        if self.group_id is None:
            partitions = await self._wait_for_partitions()
            consumer.assign(partitions)
            await self.seek_to_stored(partitions)
        else:
            consumer.subscribe(self.topics, listener=_SeekOnAssign(self))
        if self.dlq_enabled:
            self._dlq_producer = producer_for(self.bootstrap)
            await self._dlq_producer.start()

    async def _wait_for_partitions(self, timeout: float = 30.0) -> list[TopicPartition]:
        assert self.consumer is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            await self.consumer.topics()  # a remote call: refreshes the cluster metadata
            found: list[TopicPartition] = []
            missing = []
            for topic in self.topics:
                parts = self.consumer.partitions_for_topic(topic)
                if parts:
                    found.extend(TopicPartition(topic, p) for p in sorted(parts))
                else:
                    missing.append(topic)
            if not missing:
                return found
            if self._stop is not None and self._stop.is_set():
                raise TimeoutError("stopped while waiting for topics")
            if loop.time() > deadline:
                raise TimeoutError(f"topics not found: {', '.join(missing)}")
            await asyncio.sleep(0.5)

    async def stop(self) -> None:
        self._held.clear()  # read again from the stored offsets on the next start
        self._decoded.clear()
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            await ahead.finish()
        await _close_quietly(f"{self.name} broker watch", self._watch.close())
        if self.consumer is not None:
            await _close_quietly(f"{self.name} Kafka consumer", self.consumer.stop())
            self.consumer = None
        if self._dlq_producer is not None:
            await _close_quietly(f"{self.name} dead-letter producer", self._dlq_producer.stop())
            self._dlq_producer = None

    # -- processing ---------------------------------------------------------------------------------
    async def poll_once(self, timeout_ms: int = 500) -> int:
        """Fetch and apply one round of batches; returns how many records were seen."""
        assert self.consumer is not None
        fetched = await self._fetch(timeout_ms)
        batches = fetched
        if self.hold_past_watermark:
            marks = {tp: self._marks.get(tp, START) for tp in self.consumer.assignment()}
            batches, self._held = hold_past_lowest_watermark(
                self._held, fetched, marks, functools.partial(watermark_in, broker=self.broker), 2 * self.max_batch,
                caught_up=not fetched and self._read_to_the_end())
            # Fetch what is behind: a partition whose records are held waits until the others catch up (a broker
            # serves a few partitions a fetch, not always the ones behind).
            self.consumer.resume(*(tp for tp in self.consumer.paused() if tp not in self._held))
            self.consumer.pause(*self._held)
        ready = {tp: records for tp, records in sorted(batches.items()) if records}
        if fetched and self.read_ahead:  # the next poll is read while this one is applied
            consumer = self.consumer
            self._ahead = ReadAhead(
                lambda n: consumer.getmany(timeout_ms=timeout_ms, max_records=n),
                lambda: self._check_broker(force=True), self._seeks.__getitem__, limit=self.max_batch)
        try:
            if self.batch_handler is not None and ready:  # every partition of the poll in one transaction
                await self._with_retry(lambda: self._apply_poll(ready))
            else:
                for tp, records in ready.items():
                    await self._with_retry(functools.partial(self._apply, tp, records))
        except BaseException:
            await self._put_back_read_ahead()
            raise
        self._update_lag()
        return sum(len(records) for records in fetched.values())

    async def _fetch(self, timeout_ms: int) -> dict[TopicPartition, list[ConsumerRecord[Any, Any]]]:
        """This poll's records: those read ahead while the last poll was applied (still valid), or a fetch."""
        assert self.consumer is not None
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            await ahead.finish()
            if ahead.error is not None:
                raise ahead.error  # a new broker (what was read from the old one is dropped) or the fetch's own error
            fetched, decoded = ahead.valid(self.consumer.assignment())
            if fetched:
                # Asked after the fetch (if the read-ahead's own check did not end): these came from our broker.
                await self._check_broker(force=ahead.unverified)
                self._decoded.update(decoded)
                return fetched
        fetched = {tp: records for tp, records in
                   (await self.consumer.getmany(timeout_ms=timeout_ms, max_records=self.max_batch)).items() if records}
        # Asked after the fetch: if the broker we knew still answers, these records came from it.
        await self._check_broker(force=bool(fetched))
        return fetched

    async def _put_back_read_ahead(self) -> None:
        """A poll that failed leaves the consumer where it was after the poll's fetch: what was read ahead is
        read again (each partition seeked back to its first record read ahead)."""
        ahead, self._ahead = self._ahead, None
        if ahead is None or self.consumer is None:
            return
        await ahead.finish()
        fetched, _ = ahead.valid(self.consumer.assignment())
        for tp, records in fetched.items():
            self.consumer.seek(tp, records[0].offset)
            self._seeks[tp] += 1

    def _read_to_the_end(self) -> bool:
        """Every partition not held back has been read to its end as the broker last told it: nothing more is
        coming to wait for. (A poll that fetched nothing on a busy machine is not the end.)"""
        assert self.consumer is not None
        for tp in self.consumer.assignment():
            high = self.consumer.highwater(tp)
            if tp not in self._held and (high is None or self._next_offsets.get(tp, 0) < high):
                return False
        return True

    async def _check_broker(self, *, force: bool) -> None:
        now = asyncio.get_running_loop().time()
        if not force and now - self._last_broker_check < self.broker_check_interval:
            return
        self._last_broker_check = now
        current = await self._watch.cluster_id()
        if current and self.broker and current != self.broker:
            self.broker_changes += 1
            metrics.CONSUMER_BROKER_CHANGES.labels(self.name).inc()
            log.warning("a new broker answers; rereading every partition from the start",
                        extra={"consumer": self.name, "broker": current, "previous_broker": self.broker})
            raise BrokerChanged(current)
        if self.group_id is None and now - self._last_partition_check >= self.broker_check_interval:
            self._last_partition_check = now
            await self._check_partitions()

    async def _check_partitions(self) -> None:
        """The partitions assigned must be all the topic has. On a new broker a client's lookup can auto-create a
        topic with the broker's default count before its relay creates it; the relay then recreates it with the
        configured count, and a consumer that assigned itself the first count would never read the others."""
        if self.consumer is None:
            return
        counts = await self._watch.partition_counts()
        assigned = Counter(tp.topic for tp in self.consumer.assignment())
        changed = {t: (assigned[t], counts[t]) for t in self.topics if counts.get(t) and counts[t] != assigned[t]}
        if changed:
            log.warning("a topic's partitions changed; assigning them again",
                        extra={"consumer": self.name, "changed": {t: f"{a} -> {n}" for t, (a, n) in changed.items()}})
            raise PartitionsChanged(str(changed))

    def _update_lag(self) -> None:
        assert self.consumer is not None
        for tp in self.consumer.assignment():
            high = self.consumer.highwater(tp)
            nxt = self._next_offsets.get(tp)
            if high is not None and nxt is not None:
                metrics.CONSUMER_LAG.labels(self.name, tp.topic, str(tp.partition)).set(max(high - nxt, 0))

    async def _with_retry(self, apply: Callable[[], Awaitable[None]]) -> None:
        delay = 0.2
        while True:
            try:
                await apply()
                return
            except Exception as err:
                if not _transient(err):
                    raise
                log.warning("consumer database trouble, retrying: %s", type(err).__name__,
                            extra={"consumer": self.name})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _apply(self, tp: TopicPartition, records: list[ConsumerRecord[Any, Any]]) -> None:
        try:
            await self._apply_batch(tp, records, isolate=False)
        except _Poison:
            await self._apply_batch(tp, records, isolate=True)

    async def _apply_poll(self, ready: dict[TopicPartition, list[ConsumerRecord[Any, Any]]]) -> None:
        """A batch consumer applies all partitions of a poll together (one transaction, one handler call a
        topic): a handler that seals up to what every partition has passed sees them all at once. A poison event
        rolls it all back; then each partition is applied alone, one event at a time, to set the culprit aside."""
        try:
            await self._apply_together(ready)
        except _Poison:
            for tp, records in ready.items():
                await self._apply_batch(tp, records, isolate=True)

    async def _apply_together(self, ready: dict[TopicPartition, list[ConsumerRecord[Any, Any]]]) -> None:
        assert self.batch_handler is not None
        passes: list[_Pass] = []
        async with self.database.transaction() as sql:
            for tp, records in ready.items():
                p = _Pass(tp, await self._load_tracking(sql, tp, lock=True) or _Tracking(0, START))
                for record in records:
                    message = self._admit(p, record)
                    if message is not None:
                        p.collected.append(message)
                        if message.event.position is not None:
                            p.tracking.source = message.event.position
                        p.applied += 1
                passes.append(p)
            for topic in dict.fromkeys(p.tp.topic for p in passes):
                mine = [p for p in passes if p.tp.topic == topic]
                messages = [m for p in mine for m in p.collected]
                if not messages:
                    continue
                try:
                    await self.batch_handler(sql.connection, DeliveredBatch(
                        messages, consumer=self.name, topic=topic, partitions=self._partitions(topic),
                        watermarks={p.tp.partition: p.tracking.watermark for p in mine}))
                except Exception as err:
                    if _transient(err):
                        raise
                    raise _Poison from err
            for p in passes:
                await self._finish(sql, p)
        for p in passes:
            self._account(p)

    def _admit(self, p: _Pass, record: ConsumerRecord[Any, Any]) -> Delivered | None:
        """Move the partition past `record`; the event to apply, or None (published for another broker, not a
        CloudEvent — set aside as dead unless redelivered —, a watermark, or applied before)."""
        tracking = p.tracking
        redelivered = record.offset < tracking.offset
        tracking.offset = record.offset + 1
        ahead = self._decoded.get(p.tp)
        event = ahead.pop(record.offset, None) if ahead else None
        if self.broker and _published_for(record) not in (None, self.broker):
            p.stale += 1  # reached this broker before the relay noticed it; its republished copy counts
            return None
        try:
            if event is None:
                event = decode(record.value, record.headers)
            elif isinstance(event, Exception):
                raise event
        except Exception as err:
            if not redelivered:
                p.dead.append((record, err))
            return None
        message = Delivered(event, p.tp.topic, p.tp.partition, record.offset)
        position = message.event.position
        if message.event.type == WATERMARK_TYPE:  # producer progress, not an event for the handler
            if position is not None:
                tracking.watermark = max(tracking.watermark, position)
            return None
        # Events from a Gotong relay carry their store position: that decides, whatever the offsets (a broker
        # restart renumbers them). Others fall back to the Kafka offset.
        if (position <= tracking.source) if position is not None else redelivered:
            p.skipped += 1
            return None
        return message

    async def _apply_batch(self, tp: TopicPartition, records: list[ConsumerRecord[Any, Any]], *,
                           isolate: bool) -> None:
        """One partition in one transaction, one event at a time (with `isolate`, each in a savepoint: a
        poison event is set aside and the rest applied)."""
        async with self.database.transaction() as sql:
            conn = sql.connection
            p = _Pass(tp, await self._load_tracking(sql, tp, lock=True) or _Tracking(0, START))
            for record in records:
                message = self._admit(p, record)
                if message is None:
                    continue
                try:
                    if isolate:
                        async with sql.savepoint():
                            await self._handle(conn, message)
                    else:
                        await self._handle(conn, message)
                except Exception as err:
                    if _transient(err):
                        raise
                    if not isolate:
                        raise _Poison from err
                    p.dead.append((record, err))
                    continue
                if message.event.position is not None:
                    p.tracking.source = message.event.position
                p.applied += 1
            await self._finish(sql, p)
        self._account(p)

    async def _finish(self, sql: Sql, p: _Pass) -> None:
        for record, error in p.dead:
            await self._dead_letter(sql, p.tp, record, error)
        await self._save_tracking(sql, p.tp, p.tracking)

    def _account(self, p: _Pass) -> None:
        """After the commit: where the partition stands, and the counts."""
        tp = p.tp
        self._next_offsets[tp] = p.tracking.offset
        self._marks[tp] = p.tracking.watermark
        self.applied += p.applied
        metrics.CONSUMER_APPLIED.labels(self.name, tp.topic).inc(p.applied)
        metrics.CONSUMER_SKIPPED.labels(self.name, tp.topic).inc(p.skipped)
        if p.stale:
            metrics.CONSUMER_STALE.labels(self.name, tp.topic).inc(p.stale)

    def _partitions(self, topic: str) -> list[int]:
        """Every partition the topic has (a group member reads only some; a horizon must count them all)."""
        if self.consumer is None:
            return []
        known = self.consumer.partitions_for_topic(topic)
        if known:
            return sorted(known)
        return sorted(tp.partition for tp in self.consumer.assignment() if tp.topic == topic)

    async def _handle(self, conn: AsyncConnection, message: Delivered) -> None:
        if self.handler is None:  # batch consumers apply one event at a time only to find a poison event
            assert self.batch_handler is not None
            await self.batch_handler(conn, [message])
            return
        if message.event.traceparent:
            with tracer.start_as_current_span(
                f"{message.topic} process", context=context_from_traceparent(message.event.traceparent),
                kind=SpanKind.CONSUMER,
                attributes={"messaging.system": "kafka", "messaging.destination.name": message.topic,
                            "messaging.operation.type": "process", "messaging.consumer.group.name": self.name,
                            "messaging.message.id": message.event.id,
                            "messaging.kafka.offset": message.offset},
            ):
                await self.handler(conn, message)
        else:
            await self.handler(conn, message)

    async def _dead_letter(self, sql: Sql, tp: TopicPartition, record: ConsumerRecord[Any, Any],
                           err: BaseException) -> None:
        # The error text names the exception type and message only; handlers must not put personal data there.
        error = f"{type(err).__name__}: {err}"[:2000]
        log.error("poison event sent to the dead-letter topic",
                  extra={"consumer": self.name, "topic": tp.topic, "partition": tp.partition,
                         "offset": record.offset, "error_type": type(err).__name__})
        if self._dlq_producer is not None:
            headers = [*(record.headers or ()),
                       ("gotong_dlq_error", error.encode()), ("gotong_dlq_consumer", self.name.encode()),
                       ("gotong_dlq_topic", tp.topic.encode()),
                       ("gotong_dlq_partition", str(tp.partition).encode()),
                       ("gotong_dlq_offset", str(record.offset).encode())]
            await self._dlq_producer.send_and_wait(dlq_topic(tp.topic), value=record.value, key=record.key,
                                                   headers=headers)
        await sql.execute(
            "INSERT INTO dead_letters (consumer, topic, partition, kafka_offset, error) VALUES ($1, $2, $3, $4, $5) "
            "ON CONFLICT ON CONSTRAINT dead_letters_once DO NOTHING",
            self.name, tp.topic, tp.partition, record.offset, error)
        self.dead += 1
        metrics.CONSUMER_DEAD.labels(self.name, tp.topic).inc()

    async def run(self, stop: asyncio.Event) -> None:
        self._stop = stop
        delay = 0.5
        while not stop.is_set():
            try:
                if self.consumer is None:
                    await self.start()
                    delay = 0.5
                await self.poll_once()
            except asyncio.CancelledError:
                raise
            except BrokerChanged:  # restart at once: `start` assigns every partition and seeks it as stored
                await self.stop()
            except Exception as err:
                log.warning("consumer loop error, restarting: %s", type(err).__name__,
                            extra={"consumer": self.name, "error": str(err)[:300]})
                await self.stop()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                delay = min(delay * 2, 10.0)
        await self.stop()

    async def run_until_idle(self, idle_polls: int = 2, timeout: float = 60.0) -> None:
        """Apply until `idle_polls` consecutive empty polls (tests, benchmarks, replay)."""
        if self.consumer is None:
            await self.start()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        idle = 0
        while idle < idle_polls:
            idle = idle + 1 if await self.poll_once(timeout_ms=300) == 0 else 0
            if loop.time() > deadline:
                raise TimeoutError(f"consumer {self.name} still busy after {timeout}s")


async def _close_quietly(what: str, closing: Awaitable[Any], timeout: float = 10.0) -> None:
    """Close a Kafka client without letting its trouble end the consumer: closed just after its broker died,
    aiokafka's consumer re-raises a cancellation of its own fetch tasks (which, uncaught, ended the consumer's
    task for good, silently) or can wait on a dead connection. Only a cancellation of our own task goes through."""
    task = asyncio.ensure_future(closing)
    try:
        done, _ = await asyncio.wait({task}, timeout=timeout)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if not done:
        task.cancel()
        log.warning("closing %s took more than %.0f s; left behind", what, timeout)
    elif task.cancelled():
        log.warning("closing %s: the client cancelled its own work", what)
    elif task.exception() is not None:
        log.warning("closing %s failed: %s", what, type(task.exception()).__name__)


def _published_for(record: ConsumerRecord[Any, Any]) -> str | None:
    for key, value in reversed(record.headers or ()):  # the relay adds it last
        if key == BROKER_HEADER:
            return bytes(value).decode()
    return None


Records = dict[TopicPartition, list[ConsumerRecord[Any, Any]]]


def hold_past_lowest_watermark(held: Records, fetched: Records, marks: Mapping[TopicPartition, Position],
                               watermark_of: Callable[[ConsumerRecord[Any, Any]], Position | None],
                               limit: int, *, caught_up: bool = False) -> tuple[Records, Records]:
    """Of the held and fetched records, (what to apply now, what to hold): every partition up to the lowest
    watermark any assigned partition (`marks`: each one's watermark as applied) has reached with these records;
    a partition at that watermark gives all it has, one ahead of it stops right after its watermark at or before
    it. `caught_up` (the partitions behind have nothing more to read) releases all, as does holding more than
    `limit` records (a partition that stays behind must not make the others wait without bound)."""
    merged = {tp: held.get(tp, []) + fetched.get(tp, []) for tp in {**held, **fetched}}
    if caught_up:
        return merged, {}
    reached = dict(marks)
    found: dict[TopicPartition, list[tuple[int, Position]]] = {}
    for tp, records in merged.items():
        found[tp] = [(i, mark) for i, r in enumerate(records) if (mark := watermark_of(r)) is not None]
        reached[tp] = max([reached.get(tp, START), *(mark for _, mark in found[tp][-1:])])
    lowest = min(reached.values(), default=START)
    ready: Records = {}
    holding: Records = {}
    for tp, records in merged.items():
        cut = len(records)
        if reached[tp] > lowest:
            cut = max((i + 1 for i, mark in found[tp] if mark <= lowest), default=0)
        if cut:
            ready[tp] = records[:cut]
        if cut < len(records):
            holding[tp] = records[cut:]
    if sum(len(records) for records in holding.values()) > limit:
        return merged, {}
    return ready, holding


def watermark_in(record: ConsumerRecord[Any, Any], broker: str | None) -> Position | None:
    """The position a watermark record (published for `broker`, or for no broker in particular) carries; None for
    anything else. From the headers alone, and looked at only for a value as short as a watermark's."""
    if record.value is None or len(record.value) > 2 or not record.headers:
        return None
    kind = position = published_for = None
    for key, value in record.headers:
        if key == "ce_type":
            kind = value
        elif key == _POSITION_HEADER:
            position = value
        elif key == BROKER_HEADER:
            published_for = value
    if kind != _WATERMARK or position is None:
        return None
    if broker and published_for is not None and bytes(published_for).decode() != broker:
        return None
    return Position.parse(bytes(position).decode())


class _Poison(Exception):
    """A handler failed in a batch: redo the batch one event at a time to find and set aside the culprit."""


class _SeekOnAssign(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, owner: EventConsumer) -> None:
        self.owner = owner

    async def on_partitions_revoked(self, revoked: Any) -> None:
        for tp in revoked:  # positions are committed with every batch; what was read ahead for them is stale
            self.owner._seeks[tp] += 1

    async def on_partitions_assigned(self, assigned: Any) -> None:
        await self.owner.seek_to_stored(list(assigned))


ConsumerFactory = Callable[[Any], EventConsumer]


@contextlib.asynccontextmanager
async def consumers_lifespan(app: Any, factories: Sequence[ConsumerFactory]) -> AsyncIterator[None]:
    """Run consumers in the background for the app's lifetime; factories get the app (settings, engine)."""
    consumers = [f(app) for f in factories]
    app.state.consumers = consumers
    async with running([(f"consumer-{c.name}", c.run) for c in consumers]):
        yield


def consumer_hook(*factories: ConsumerFactory) -> Callable[[Any], contextlib.AbstractAsyncContextManager[None]]:
    """A lifespan hook for `create_app(..., lifespan_hooks=[consumer_hook(make_x)])`."""
    return lambda app: consumers_lifespan(app, factories)


AsyncHandler = Callable[[AsyncConnection, Delivered], Awaitable[None]]
