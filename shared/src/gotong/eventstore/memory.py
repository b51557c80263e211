"""An in-memory event store with the same promises as the PostgreSQL one, for unit tests and fakes."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from uuid import UUID

from gotong.eventstore.codec import dumps, loads
from gotong.eventstore.errors import ConcurrencyError, WrongExpectedVersion
from gotong.eventstore.model import START, AppendRequest, EventData, Position, RecordedEvent, Snapshot


class InMemoryEventStoreTx:
    def __init__(self, store: InMemoryEventStore, tx_id: int) -> None:
        self._store = store
        self._tx_id = tx_id
        self._pending: list[RecordedEvent] = []
        self._snapshots: dict[UUID, Snapshot] = {}

    def _version(self, stream_id: UUID) -> int:
        mine = [e.version for e in self._pending if e.stream_id == stream_id]
        if mine:
            return max(mine)
        stream = self._store._streams.get(stream_id)
        return stream[-1].version if stream else 0

    def _stage(self, stream_id: UUID, stream_type: str, expected: int, events: Sequence[EventData]) -> None:
        actual = self._version(stream_id)
        if actual != expected:
            raise WrongExpectedVersion(stream_id, expected, actual)
        known = self._store._event_ids | {e.event_id for e in self._pending}
        for i, e in enumerate(events, start=1):
            if e.event_id in known:
                raise ConcurrencyError("an event with this id was already appended")
            self._pending.append(RecordedEvent(
                stream_id=stream_id, stream_type=stream_type, version=expected + i, event_id=e.event_id,
                event_type=e.event_type, schema_version=e.schema_version, data=loads(dumps(e.data)),
                occurred_at=e.occurred_at, metadata=e.metadata,
                position=Position(self._tx_id, 0), recorded_at=datetime.now(UTC),
            ))

    async def append(
        self, stream_id: UUID, stream_type: str, expected_version: int, events: Sequence[EventData]
    ) -> int:
        self._stage(stream_id, stream_type, expected_version, events)
        return expected_version + len(events)

    async def append_batch(self, requests: Sequence[AppendRequest]) -> int:
        before = len(self._pending)
        try:
            for r in requests:
                self._stage(r.stream_id, r.stream_type, r.expected_version, r.events)
        except Exception:
            del self._pending[before:]
            raise
        return len(self._pending) - before

    async def load(self, stream_id: UUID, after_version: int = 0) -> list[RecordedEvent]:
        committed = self._store._streams.get(stream_id, [])
        mine = [e for e in self._pending if e.stream_id == stream_id]
        return [e for e in [*committed, *mine] if e.version > after_version]

    async def save_snapshot(self, snapshot: Snapshot) -> None:
        self._snapshots[snapshot.stream_id] = copy.deepcopy(snapshot)

    async def load_snapshot(self, stream_id: UUID) -> Snapshot | None:
        return self._snapshots.get(stream_id) or self._store._snapshots.get(stream_id)

    def _commit(self) -> None:
        # Re-check under the store lock: another transaction may have committed to the same streams meanwhile.
        for e in self._pending:
            stream = self._store._streams.get(e.stream_id, [])
            current = stream[-1].version if stream else 0
            if e.version <= current:
                raise ConcurrencyError(f"stream {e.stream_id} was appended to concurrently")
        self._store._commits += 1
        for e in self._pending:
            self._store._counter += 1
            recorded = RecordedEvent(**{**{s: getattr(e, s) for s in RecordedEvent.__slots__},
                                        "position": Position(self._store._commits, self._store._counter)})
            self._store._streams.setdefault(e.stream_id, []).append(recorded)
            self._store._log.append(recorded)
            self._store._event_ids.add(e.event_id)
        for s in self._snapshots.values():
            old = self._store._snapshots.get(s.stream_id)
            if old is None or old.version < s.version:
                self._store._snapshots[s.stream_id] = s


class InMemoryEventStore:
    def __init__(self) -> None:
        self._streams: dict[UUID, list[RecordedEvent]] = {}
        self._log: list[RecordedEvent] = []
        self._event_ids: set[UUID] = set()
        self._snapshots: dict[UUID, Snapshot] = {}
        self._counter = 0
        self._commits = 0
        self._next_tx = 1
        self._lock = asyncio.Lock()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[InMemoryEventStoreTx]:
        self._next_tx += 1
        tx = InMemoryEventStoreTx(self, self._next_tx)
        yield tx
        async with self._lock:  # commit order is the global order here: a late commit lands at the end
            tx._commit()

    async def load(self, stream_id: UUID, after_version: int = 0) -> list[RecordedEvent]:
        return [e for e in self._streams.get(stream_id, []) if e.version > after_version]

    async def read_all(self, after: Position = START, limit: int = 1000) -> list[RecordedEvent]:
        return [e for e in self._log if e.position > after][:limit]

    async def head(self) -> Position:
        return self._log[-1].position if self._log else START

    async def count_after(self, after: Position) -> int:
        return sum(1 for e in self._log if e.position > after)
