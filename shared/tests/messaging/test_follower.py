"""`StoreFollower`: every committed event once, in global order, from a stored checkpoint — also when writers
commit late — and the checkpoint moves only with the transaction that stores it."""

from __future__ import annotations

import asyncio
import random
from uuid import uuid4

import pytest
from sqlalchemy import BigInteger, Column, MetaData, Table, Text

from gotong.adapters.sql import Database
from gotong.eventstore import EventData
from gotong.eventstore.memory import InMemoryEventStore
from gotong.eventstore.model import START, Position
from gotong.eventstore.postgres import PostgresEventStore
from gotong.messaging.follower import StoreFollower, TableCheckpoint

checkpoints = MetaData()
Table("follower_checkpoints", checkpoints, Column("name", Text, primary_key=True),
      Column("tx_id", BigInteger, nullable=False), Column("position", BigInteger, nullable=False))


@pytest.fixture
def schema_extra() -> list[MetaData]:
    return [checkpoints]


class Remembered:
    """A checkpoint kept in memory."""

    def __init__(self) -> None:
        self.at = START
        self.saves = 0

    async def load(self) -> Position:
        return self.at

    async def save(self, position: Position) -> None:
        self.at = position
        self.saves += 1


async def _write(store: InMemoryEventStore | PostgresEventStore, n: int) -> None:
    async with store.transaction() as tx:
        await tx.append(uuid4(), "counter", 0, [EventData("Counted", {"i": i}) for i in range(n)])


async def test_follows_from_the_checkpoint_in_batches_and_skips_to_the_head():
    store = InMemoryEventStore()
    await _write(store, 5)
    checkpoint = Remembered()
    follower = StoreFollower(store, batch_size=2)
    assert await follower.resume(checkpoint) == START
    assert await follower.lag() == 5
    seen = []
    while batch := await follower.read():
        seen += batch
        await follower.advance(checkpoint, batch[-1].position)
    assert [e.data["i"] for e in seen] == [0, 1, 2, 3, 4]
    assert checkpoint.saves == 3
    assert await follower.lag() == 0

    # another follower continues where the stored checkpoint says, not from the start
    await _write(store, 3)
    again = StoreFollower(store)
    await again.resume(checkpoint)
    assert [e.data["i"] for e in await again.read()] == [0, 1, 2]
    assert await again.read(after=seen[2].position, limit=1) == [seen[3]]  # reading ahead moves nothing
    assert again.position == checkpoint.at
    await again.advance(checkpoint, await again.head())
    assert await again.read() == []


async def test_a_table_checkpoint_moves_only_when_its_transaction_commits(engine):
    store = PostgresEventStore(engine)
    database = Database(engine)
    await _write(store, 3)
    follower = StoreFollower(store)
    with pytest.raises(RuntimeError):
        async with database.transaction() as sql:
            checkpoint = TableCheckpoint(sql, "follower_checkpoints", "t")
            assert await follower.resume(checkpoint) == START
            events = await follower.read()
            await follower.advance(checkpoint, events[-1].position)
            raise RuntimeError("the work for these events failed")
    async with database.transaction() as sql:
        checkpoint = TableCheckpoint(sql, "follower_checkpoints", "t")
        assert await follower.resume(checkpoint) == START  # rolled back with the work
        events = await follower.read()
        assert len(events) == 3
        await follower.advance(checkpoint, events[-1].position)
    async with database.transaction() as sql:
        assert await StoreFollower(store).resume(TableCheckpoint(sql, "follower_checkpoints", "t")) == \
            events[-1].position


async def test_never_skips_a_late_commit(engine):
    store = PostgresEventStore(engine)
    database = Database(engine)
    rng = random.Random(11)
    total, writers = 600, 10
    remaining = total
    done = asyncio.Event()

    async def writer() -> None:
        nonlocal remaining
        while remaining > 0:
            n = min(rng.randint(1, 4), remaining)
            remaining -= n
            async with store.transaction() as tx:
                await tx.append(uuid4(), "counter", 0, [EventData("Counted", {"i": i}) for i in range(n)])
                await asyncio.sleep(rng.uniform(0, 0.02))  # commit late, while others go ahead

    seen = []

    async def follow() -> None:
        follower = StoreFollower(store, batch_size=50)
        while True:
            async with database.transaction() as sql:  # resume each round, as a notifier in several processes
                checkpoint = TableCheckpoint(sql, "follower_checkpoints", "late")
                await follower.resume(checkpoint)
                batch = await follower.read()
                if batch:
                    seen.extend(batch)
                    await follower.advance(checkpoint, batch[-1].position)
            if not batch:
                if done.is_set() and len(seen) >= total:
                    return
                await asyncio.sleep(0.005)

    reader = asyncio.create_task(follow())
    await asyncio.gather(*(writer() for _ in range(writers)))
    done.set()
    await asyncio.wait_for(reader, 60)
    ids = [e.event_id for e in seen]
    assert len(ids) == len(set(ids)) == total
    assert [e.position for e in seen] == sorted(e.position for e in seen)
