"""What the event store keeps: events as data with their metadata, positions, snapshots."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple
from uuid import UUID

from uuid6 import uuid7


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class EventMetadata:
    correlation_id: UUID | None = None
    causation_id: UUID | None = None
    actor: str | None = None
    idempotency_key: str | None = None
    traceparent: str | None = None


@dataclass(frozen=True, slots=True)
class EventData:
    """An event about to be appended. `data` must be JSON-serialisable (ints for money, ISO strings for time)."""

    event_type: str
    data: Mapping[str, Any]
    schema_version: int = 1
    event_id: UUID = field(default_factory=uuid7)
    occurred_at: datetime = field(default_factory=utcnow)
    metadata: EventMetadata = field(default_factory=EventMetadata)


class Position(NamedTuple):
    """A place in the store's global order: (transaction id, row position), compared as a pair.

    Readers only see events whose transaction id is below the oldest transaction still in progress, so an
    event that commits late can never appear *behind* a position a reader has already passed.
    """

    tx_id: int
    position: int

    def __str__(self) -> str:
        return f"{self.tx_id}:{self.position}"

    @classmethod
    def parse(cls, text: str) -> Position:
        tx, _, pos = text.partition(":")
        return cls(int(tx), int(pos))


START = Position(0, 0)


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    stream_id: UUID
    stream_type: str
    version: int
    event_id: UUID
    event_type: str
    schema_version: int
    data: Mapping[str, Any]
    occurred_at: datetime
    metadata: EventMetadata
    position: Position = START
    recorded_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AppendRequest:
    stream_id: UUID
    stream_type: str
    expected_version: int
    events: Sequence[EventData]


@dataclass(frozen=True, slots=True)
class Snapshot:
    stream_id: UUID
    version: int
    state: Mapping[str, Any]
    schema_version: int = 1
