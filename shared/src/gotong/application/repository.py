"""Load an aggregate from its stream and save its new events with optimistic concurrency."""

from __future__ import annotations

from typing import Generic, TypeVar
from uuid import UUID

from gotong.domain.aggregate import Aggregate
from gotong.domain.errors import NotFound
from gotong.domain.events import EventRegistry
from gotong.eventstore.model import EventData, EventMetadata
from gotong.eventstore.port import EventStoreTx

A = TypeVar("A", bound=Aggregate)


class Repository(Generic[A]):
    def __init__(self, aggregate: type[A], registry: EventRegistry) -> None:
        self.aggregate = aggregate
        self.registry = registry

    async def find(self, tx: EventStoreTx, id: UUID) -> A | None:
        recorded = await tx.load(id)
        if not recorded or recorded[0].stream_type != self.aggregate.stream_type:
            return None  # no stream, or another kind of thing's stream: not found as this kind
        return self.aggregate.replay(
            id, ((e.version, self.registry.decode(e.event_type, e.schema_version, e.data)) for e in recorded))

    async def get(self, tx: EventStoreTx, id: UUID) -> A:
        found = await self.find(tx, id)
        if found is None:
            raise NotFound(f"{self.aggregate.stream_type} {id} does not exist")
        return found

    async def save(self, tx: EventStoreTx, aggregate: A, metadata: EventMetadata | None = None) -> int:
        events = [EventData(e.event_type, e.to_data(), e.schema_version, metadata=metadata or EventMetadata())
                  for e in aggregate.pending_events]
        version = await tx.append(aggregate.id, aggregate.stream_type, aggregate.persisted_version, events)
        aggregate.mark_saved()
        return version
