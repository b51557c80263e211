"""The event store: streams of events with optimistic concurrency and a gap-free global order for tailing."""

from gotong.eventstore.errors import ConcurrencyError, StreamNotFound, WrongExpectedVersion
from gotong.eventstore.model import (
    AppendRequest,
    EventData,
    EventMetadata,
    Position,
    RecordedEvent,
    Snapshot,
)
from gotong.eventstore.port import EventStore, EventStoreTx

__all__ = [
    "AppendRequest",
    "ConcurrencyError",
    "EventData",
    "EventMetadata",
    "EventStore",
    "EventStoreTx",
    "Position",
    "RecordedEvent",
    "Snapshot",
    "StreamNotFound",
    "WrongExpectedVersion",
]
