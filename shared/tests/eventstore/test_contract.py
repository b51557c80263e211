"""One contract for every event store: the in-memory fake and PostgreSQL must behave alike."""

import asyncio
from uuid import uuid4

import pytest

from gotong.eventstore import AppendRequest, ConcurrencyError, EventData, Snapshot, WrongExpectedVersion
from gotong.eventstore.memory import InMemoryEventStore
from gotong.eventstore.model import START
from gotong.eventstore.postgres import PostgresEventStore


@pytest.fixture(params=["memory", "postgres"])
async def store(request: pytest.FixtureRequest, engine) -> object:
    return InMemoryEventStore() if request.param == "memory" else PostgresEventStore(engine)


def ev(kind: str = "Happened", **data: object) -> EventData:
    return EventData(kind, data)


async def test_appended_events_load_in_version_order_with_their_data(store):
    sid = uuid4()
    async with store.transaction() as tx:
        assert await tx.append(sid, "thing", 0, [ev("Created", a=1), ev("Renamed", b="x")]) == 2
    async with store.transaction() as tx:
        assert await tx.append(sid, "thing", 2, [ev("Closed")]) == 3
    events = await store.load(sid)
    assert [(e.version, e.event_type, dict(e.data)) for e in events] == [
        (1, "Created", {"a": 1}), (2, "Renamed", {"b": "x"}), (3, "Closed", {})]
    assert [e.version for e in await store.load(sid, after_version=1)] == [2, 3]


async def test_metadata_round_trips(store):
    from gotong.eventstore import EventMetadata

    sid, corr, cause = uuid4(), uuid4(), uuid4()
    meta = EventMetadata(correlation_id=corr, causation_id=cause, actor="ops-1", idempotency_key="k-1",
                         traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
    async with store.transaction() as tx:
        await tx.append(sid, "thing", 0, [EventData("Created", {"n": 1}, schema_version=3, metadata=meta)])
    (e,) = await store.load(sid)
    assert e.metadata == meta
    assert e.schema_version == 3
    assert e.occurred_at.tzinfo is not None


async def test_wrong_expected_version_is_refused_and_writes_nothing(store):
    sid = uuid4()
    async with store.transaction() as tx:
        await tx.append(sid, "thing", 0, [ev()])
    with pytest.raises(WrongExpectedVersion):
        async with store.transaction() as tx:
            await tx.append(sid, "thing", 0, [ev()])
    with pytest.raises(WrongExpectedVersion):
        async with store.transaction() as tx:
            await tx.append(sid, "thing", 5, [ev()])
    assert [e.version for e in await store.load(sid)] == [1]


async def test_two_writers_at_the_same_expected_version_exactly_one_wins(store):
    sid = uuid4()
    async with store.transaction() as tx:
        await tx.append(sid, "thing", 0, [ev()])
    gate = asyncio.Event()

    async def writer(name: str) -> str:
        try:
            async with store.transaction() as tx:
                await tx.append(sid, "thing", 1, [ev("Written", by=name)])
                await gate.wait()
            return "won"
        except ConcurrencyError:
            return "lost"

    tasks = [asyncio.create_task(writer("a")), asyncio.create_task(writer("b"))]
    await asyncio.sleep(0.2)
    gate.set()
    results = sorted(await asyncio.gather(*tasks))
    assert results == ["lost", "won"]
    assert [e.version for e in await store.load(sid)] == [1, 2]


async def test_batch_append_is_all_or_nothing(store):
    existing = uuid4()
    async with store.transaction() as tx:
        await tx.append(existing, "thing", 0, [ev()])
    fresh = [uuid4() for _ in range(50)]
    batch = [AppendRequest(s, "thing", 0, [ev("Created"), ev("Updated")]) for s in fresh]
    overlapping = [*batch, AppendRequest(existing, "thing", 0, [ev("Created")])]  # existing is at v1, not v0
    with pytest.raises(ConcurrencyError):
        async with store.transaction() as tx:
            await tx.append_batch(overlapping)
    for s in fresh:
        assert await store.load(s) == []
    async with store.transaction() as tx:
        assert await tx.append_batch([*batch, AppendRequest(existing, "thing", 1, [ev("Updated")])]) == 101
    assert [len(await store.load(s)) for s in fresh] == [2] * len(fresh)
    assert [e.version for e in await store.load(existing)] == [1, 2]


async def test_batch_append_with_a_gap_in_expected_version_is_refused(store):
    sid = uuid4()
    with pytest.raises(ConcurrencyError):
        async with store.transaction() as tx:
            await tx.append_batch([AppendRequest(sid, "thing", 3, [ev()])])
    assert await store.load(sid) == []


async def test_duplicate_event_id_is_a_conflict(store):
    e = ev()
    async with store.transaction() as tx:
        await tx.append(uuid4(), "thing", 0, [e])
    with pytest.raises(ConcurrencyError):
        async with store.transaction() as tx:
            await tx.append(uuid4(), "thing", 0, [e])


async def test_read_all_follows_commit_of_every_stream_in_order(store):
    streams = [uuid4() for _ in range(5)]
    for round_ in range(3):
        for s in streams:
            async with store.transaction() as tx:
                await tx.append(s, "thing", round_, [ev(n=round_)])
    seen = []
    pos = START
    while batch := await store.read_all(pos, limit=4):
        seen.extend(batch)
        pos = batch[-1].position
    assert len(seen) == 15
    assert [e.position for e in seen] == sorted(e.position for e in seen)
    for s in streams:
        assert [e.version for e in seen if e.stream_id == s] == [1, 2, 3]
    assert await store.head() == seen[-1].position


async def test_snapshots_keep_the_newest(store):
    sid = uuid4()
    async with store.transaction() as tx:
        await tx.save_snapshot(Snapshot(sid, 10, {"total": 10}))
    async with store.transaction() as tx:
        await tx.save_snapshot(Snapshot(sid, 5, {"total": 5}))  # older: ignored
    async with store.transaction() as tx:
        snap = await tx.load_snapshot(sid)
    assert snap is not None
    assert (snap.version, dict(snap.state)) == (10, {"total": 10})


async def test_rolled_back_transaction_leaves_nothing(store):
    sid = uuid4()
    with pytest.raises(RuntimeError):
        async with store.transaction() as tx:
            await tx.append(sid, "thing", 0, [ev()])
            raise RuntimeError("crash before commit")
    assert await store.load(sid) == []
    assert await store.read_all(START) == []
