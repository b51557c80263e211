"""Following an event store: every committed event once, in the store's global order, from a stored checkpoint.

`StoreFollower` is what the outbox relay and a service's own background readers (the registry's DCI notifier)
share. It reads with the store's `read_all`, which only returns events of transactions older than every one
still running, so an event that commits late never lands *behind* a position the follower has passed: no
event is skipped, whatever order writers commit in. The follower's `position` is the checkpoint: everything up
to it is done. Where the checkpoint is kept is a `Checkpoint` (a row in a table of the service's database):

    follower = StoreFollower(store)
    async with database.transaction() as sql:          # the checkpoint moves with what was done for the events
        checkpoint = TableCheckpoint(sql, "dci_checkpoints", "notifier")
        await follower.resume(checkpoint)
        events = await follower.read(limit=200)
        ...                                             # act on the events in the same transaction
        if events:
            await follower.advance(checkpoint, events[-1].position)

A reader that keeps work in flight (the relay reads the next batch while the broker acknowledges the previous
one) reads ahead with `read(after=...)` and advances only over what is done.
"""

from __future__ import annotations

from typing import Protocol

from gotong.adapters.sql import Sql
from gotong.eventstore.model import START, Position, RecordedEvent


class EventLog(Protocol):
    """The part of an event store a follower reads (both the PostgreSQL and the in-memory store have it)."""

    async def read_all(self, after: Position = START, limit: int = 1000) -> list[RecordedEvent]: ...

    async def head(self) -> Position: ...

    async def count_after(self, after: Position) -> int: ...


class Checkpoint(Protocol):
    """Where a follower keeps how far it got."""

    async def load(self) -> Position: ...

    async def save(self, position: Position) -> None: ...


class TableCheckpoint:
    """A checkpoint row `(name, tx_id, position)` of `table`, read and written in the caller's transaction
    (so it moves together with what was done for the events). No row yet: the start of the store."""

    def __init__(self, sql: Sql, table: str, name: str) -> None:
        self.sql = sql
        self.table = table
        self.name = name

    async def load(self) -> Position:
        row = await self.sql.fetchrow(f"SELECT tx_id, position FROM {self.table} WHERE name = $1", self.name)
        return Position(row["tx_id"], row["position"]) if row else START

    async def save(self, position: Position) -> None:
        await self.sql.execute(
            f"INSERT INTO {self.table} (name, tx_id, position) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET "
            "tx_id = EXCLUDED.tx_id, position = EXCLUDED.position", self.name, position.tx_id, position.position)


class StoreFollower:
    """Tails an event store in commit order from a checkpoint; `position` is how far it is done."""

    def __init__(self, store: EventLog, *, batch_size: int = 1000) -> None:
        self.store = store
        self.batch_size = batch_size
        self.position: Position = START

    async def resume(self, checkpoint: Checkpoint) -> Position:
        """Continue from the stored checkpoint."""
        self.position = await checkpoint.load()
        return self.position

    async def read(self, after: Position | None = None, limit: int | None = None) -> list[RecordedEvent]:
        """The next committed events after `after` (default: the position), in global order; [] when caught up."""
        return await self.store.read_all(self.position if after is None else after,
                                         self.batch_size if limit is None else limit)

    async def head(self) -> Position:
        """The last position a follower can read now (to skip ahead when nobody needs the events)."""
        return await self.store.head()

    async def advance(self, checkpoint: Checkpoint, position: Position) -> None:
        """Everything up to `position` is done: store it, then move there."""
        await checkpoint.save(position)
        self.position = position

    async def lag(self) -> int:
        """How many committed events are after the position."""
        return await self.store.count_after(self.position)


__all__ = ["Checkpoint", "EventLog", "StoreFollower", "TableCheckpoint"]
