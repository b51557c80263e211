"""The event store port: what every implementation (in-memory, PostgreSQL) promises."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol
from uuid import UUID

from gotong.eventstore.model import AppendRequest, EventData, Position, RecordedEvent, Snapshot


class EventStoreTx(Protocol):
    """One transaction against the store. Appends become visible together when it commits, or not at all."""

    async def append(
        self, stream_id: UUID, stream_type: str, expected_version: int, events: Sequence[EventData]
    ) -> int:
        """Append after `expected_version` (0 = new stream); returns the new version. Raises ConcurrencyError."""
        ...

    async def append_batch(self, requests: Sequence[AppendRequest]) -> int:
        """Append to many streams at once; all or nothing. Returns the number of events written."""
        ...

    async def load(self, stream_id: UUID, after_version: int = 0) -> list[RecordedEvent]: ...

    async def save_snapshot(self, snapshot: Snapshot) -> None: ...

    async def load_snapshot(self, stream_id: UUID) -> Snapshot | None: ...


class EventStore(Protocol):
    def transaction(self) -> AbstractAsyncContextManager[EventStoreTx]: ...

    async def load(self, stream_id: UUID, after_version: int = 0) -> list[RecordedEvent]: ...

    async def read_all(self, after: Position, limit: int = 1000) -> list[RecordedEvent]:
        """Committed events after `after` in global order, never skipping one that commits late."""
        ...

    async def head(self) -> Position:
        """The position of the last event a tailing reader can see now."""
        ...
