"""Aggregate base: state changes only by applying events, each exactly one version after the last."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import ClassVar, Self
from uuid import UUID

from gotong.domain.events import DomainEvent


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class VersionMismatch(Exception):
    pass


class Aggregate:
    """Subclasses define `apply_<snake_event_type>(event)` methods; commands call `self._record(event)`."""

    stream_type: ClassVar[str]

    def __init__(self, id: UUID) -> None:
        self.id = id
        self.version = 0
        self._pending: list[DomainEvent] = []

    @property
    def pending_events(self) -> list[DomainEvent]:
        return list(self._pending)

    @property
    def persisted_version(self) -> int:
        return self.version - len(self._pending)

    def mark_saved(self) -> None:
        self._pending.clear()

    def _record(self, event: DomainEvent) -> None:
        self._apply(event, self.version + 1)
        self._pending.append(event)

    def _apply(self, event: DomainEvent, version: int) -> None:
        if version != self.version + 1:
            raise VersionMismatch(f"{self.stream_type} {self.id}: event v{version} after v{self.version}")
        handler = getattr(self, f"apply_{_snake(event.event_type)}", None)
        if handler is None:
            raise NotImplementedError(f"{type(self).__name__} cannot apply {event.event_type}")
        handler(event)
        self.version = version

    @classmethod
    def replay(cls, id: UUID, events: Iterable[tuple[int, DomainEvent]]) -> Self:
        aggregate = cls.__new__(cls)
        Aggregate.__init__(aggregate, id)
        aggregate.initial_state()
        for version, event in events:
            aggregate._apply(event, version)
        return aggregate

    def initial_state(self) -> None:
        """Set the fields a freshly replayed aggregate starts with (before its first event)."""
