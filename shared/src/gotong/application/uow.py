"""The unit of work: one transaction that loads and saves aggregates and runs the service's projectors.

A command handler gets a `UnitOfWork` and nothing lower: it loads aggregates (`uow.get(repo, id)`), lets them
decide, and `uow.save(aggregate)`. Saving appends the new events with optimistic concurrency and runs every
projector registered for that aggregate or those events *in the same transaction*, so read tables are never
behind the events of a committed command. Read-side queries and bulk writers are adapters built on the same
transaction (`uow.adapter(HouseholdTable)`). The kit commits (the command context, a consumer, or the caller
of `UnitOfWork.begin`): handlers never commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar, cast
from uuid import UUID

from gotong.adapters.sql import Sql
from gotong.application.repository import Repository
from gotong.domain.aggregate import Aggregate
from gotong.domain.clock import SYSTEM_CLOCK, Clock
from gotong.domain.errors import NotFound
from gotong.domain.events import DomainEvent, EventRegistry
from gotong.eventstore.model import AppendRequest, EventData, EventMetadata, RecordedEvent, Snapshot
from gotong.eventstore.port import EventStoreTx

A = TypeVar("A", bound=Aggregate)
T = TypeVar("T")


@dataclass(frozen=True)
class EventContext:
    """Where an event sits: its stream, version, when it happened and who caused it."""

    stream_id: UUID
    stream_type: str
    version: int
    occurred_at: datetime
    metadata: EventMetadata


StateProjector = Callable[[Sql, Any], Awaitable[None]]
EventProjector = Callable[[Sql, Any, EventContext], Awaitable[None]]


class Projectors:
    """A service's projectors: event (or aggregate state) -> read table, run inside the writing transaction.

    `tables` are the read tables these projectors own: `rebuild` empties them and replays the event store.
    A *state* projector writes the aggregate's current state (a row per aggregate); an *event* projector
    reacts to one event type (a ledger line, a history row).
    """

    def __init__(self, *, tables: Sequence[str] = ()) -> None:
        self.tables = tuple(tables)
        self._state: dict[str, list[tuple[type[Aggregate], StateProjector]]] = {}
        self._events: dict[str, list[EventProjector]] = {}
        self._registries: dict[str, EventRegistry] = {}

    def state(self, aggregate: type[A]) -> Callable[[Callable[[Sql, A], Awaitable[None]]],
                                                    Callable[[Sql, A], Awaitable[None]]]:
        """Decorate `async def project(sql, aggregate)`: runs after every save of that aggregate."""

        def deco(fn: Callable[[Sql, A], Awaitable[None]]) -> Callable[[Sql, A], Awaitable[None]]:
            self._state.setdefault(aggregate.stream_type, []).append((aggregate, cast(StateProjector, fn)))
            return fn

        return deco

    def on(self, registry: EventRegistry, *event_types: type[DomainEvent]) -> Callable[[EventProjector],
                                                                                        EventProjector]:
        """Decorate `async def project(sql, event, context)`: runs for each saved event of those types."""

        def deco(fn: EventProjector) -> EventProjector:
            for cls in event_types:
                self._events.setdefault(cls.event_type, []).append(fn)
                self._registries[cls.event_type] = registry
            return fn

        return deco

    @property
    def empty(self) -> bool:
        return not self._state and not self._events

    def projects_state_of(self, stream_type: str) -> list[tuple[type[Aggregate], StateProjector]]:
        return self._state.get(stream_type, [])

    async def after_save(self, sql: Sql, aggregate: Aggregate,
                         events: Sequence[tuple[DomainEvent, EventContext]]) -> None:
        for event, context in events:
            for fn in self._events.get(event.event_type, ()):
                await fn(sql, event, context)
        for _cls, project in self._state.get(aggregate.stream_type, ()):
            await project(sql, aggregate)

    async def replay_event(self, sql: Sql, recorded: RecordedEvent) -> None:
        """Run the event projectors of one recorded event (rebuild)."""
        projectors = self._events.get(recorded.event_type)
        if not projectors:
            return
        event = self._registries[recorded.event_type].decode(
            recorded.event_type, recorded.schema_version, recorded.data)
        context = EventContext(recorded.stream_id, recorded.stream_type, recorded.version,
                               recorded.occurred_at, recorded.metadata)
        for fn in projectors:
            await fn(sql, event, context)


NO_PROJECTORS = Projectors()


class Adapter(Protocol):
    def __init__(self, sql: Sql) -> None: ...


class UnitOfWork:
    """One transaction of one service. Also an `EventStoreTx`, so bulk paths append through the store's API."""

    def __init__(self, tx: EventStoreTx, sql: Sql | None, *, metadata: EventMetadata | None = None,
                 projectors: Projectors = NO_PROJECTORS, clock: Clock = SYSTEM_CLOCK) -> None:
        self._tx = tx
        self._sql = sql
        self.metadata = metadata or EventMetadata()
        self.projectors = projectors
        self.clock = clock
        self._adapters: dict[type[Any], Any] = {}

    @property
    def sql(self) -> Sql:
        """The transaction's SQL access, for adapters (`adapters/`); application code asks for an adapter."""
        if self._sql is None:
            raise RuntimeError("this unit of work has no SQL database behind it (in-memory store)")
        return self._sql

    def adapter(self, cls: type[T]) -> T:
        """The adapter `cls(sql)` bound to this transaction (one per unit of work)."""
        found = self._adapters.get(cls)
        if found is None:
            found = self._adapters[cls] = cls(self.sql)  # type: ignore[call-arg]
        return cast(T, found)

    # -- aggregates --------------------------------------------------------------------------------------
    async def find(self, repo: Repository[A], id: UUID) -> A | None:
        return await repo.find(self._tx, id)

    async def get(self, repo: Repository[A], id: UUID, *, field: str | None = None) -> A:
        found = await repo.find(self._tx, id)
        if found is None:
            raise NotFound(f"{repo.aggregate.stream_type} {id} does not exist", field=field)
        return found

    async def save(self, aggregate: Aggregate, metadata: EventMetadata | None = None) -> int:
        """Append the aggregate's new events and run the projectors for them, in this transaction."""
        pending = aggregate.pending_events
        meta = metadata or self.metadata
        start = aggregate.persisted_version
        data = [EventData(e.event_type, e.to_data(), e.schema_version, metadata=meta) for e in pending]
        version = await self._tx.append(aggregate.id, aggregate.stream_type, start, data)
        aggregate.mark_saved()
        if self._sql is not None and not self.projectors.empty:
            contexts = [(e, EventContext(aggregate.id, aggregate.stream_type, start + i, d.occurred_at, meta))
                        for i, (e, d) in enumerate(zip(pending, data, strict=True), start=1)]
            await self.projectors.after_save(self._sql, aggregate, contexts)
        return version

    async def save_all(self, aggregates: Sequence[Aggregate], metadata: EventMetadata | None = None) -> None:
        for aggregate in aggregates:
            await self.save(aggregate, metadata)

    # -- the event store's own calls, for bulk paths and the kit's repository ----------------------------
    async def append(self, stream_id: UUID, stream_type: str, expected_version: int,
                     events: Sequence[EventData]) -> int:
        return await self._tx.append(stream_id, stream_type, expected_version, events)

    async def append_batch(self, requests: Sequence[AppendRequest]) -> int:
        return await self._tx.append_batch(requests)

    async def load(self, stream_id: UUID, after_version: int = 0) -> list[RecordedEvent]:
        return await self._tx.load(stream_id, after_version)

    async def save_snapshot(self, snapshot: Snapshot) -> None:
        await self._tx.save_snapshot(snapshot)

    async def load_snapshot(self, stream_id: UUID) -> Snapshot | None:
        return await self._tx.load_snapshot(stream_id)


class UnitOfWorkFactory:
    """What a composition root holds: `async with factory.begin(metadata) as uow:` commits at the end."""

    def __init__(self, store: Any, *, projectors: Projectors = NO_PROJECTORS, clock: Clock = SYSTEM_CLOCK) -> None:
        self.store = store
        self.projectors = projectors
        self.clock = clock

    @asynccontextmanager
    async def begin(self, metadata: EventMetadata | None = None) -> AsyncIterator[UnitOfWork]:
        async with self.store.transaction() as tx:
            yield UnitOfWork(tx, getattr(tx, "sql", None), metadata=metadata, projectors=self.projectors,
                             clock=self.clock)

    async def joining(self, sql: Sql, metadata: EventMetadata | None = None) -> UnitOfWork:
        """A unit of work inside a transaction someone else runs (a consumer's, with its tracking row)."""
        from gotong.eventstore.postgres import PostgresEventStoreTx

        return UnitOfWork(PostgresEventStoreTx.on(sql), sql, metadata=metadata, projectors=self.projectors,
                          clock=self.clock)


__all__ = ["EventContext", "Projectors", "UnitOfWork", "UnitOfWorkFactory"]
