"""More of the one contract for every event store (in-memory and PostgreSQL alike): loading inside the
transaction that wrote, counting what lies after a position, the head of an empty store, read_all's limit
and starting point, snapshots (state, schema version, none yet), and what a refused append says."""

from uuid import uuid4

import pytest

from gotong.eventstore import EventData, Snapshot, WrongExpectedVersion
from gotong.eventstore.memory import InMemoryEventStore
from gotong.eventstore.model import START, Position
from gotong.eventstore.postgres import PostgresEventStore


@pytest.fixture(params=["memory", "postgres"])
async def store(request: pytest.FixtureRequest, engine) -> object:
    return InMemoryEventStore() if request.param == "memory" else PostgresEventStore(engine)


def ev(kind: str = "Happened", **data: object) -> EventData:
    return EventData(kind, data)


async def test_an_empty_store_has_its_head_at_the_start_and_nothing_after_it(store):
    assert await store.head() == START
    assert await store.read_all(START) == []
    assert await store.count_after(START) == 0


async def test_the_transaction_that_wrote_reads_its_own_events(store):
    sid = uuid4()
    async with store.transaction() as tx:
        await tx.append(sid, "thing", 0, [ev("A"), ev("B"), ev("C")])
        assert [e.event_type for e in await tx.load(sid)] == ["A", "B", "C"]
        assert [e.version for e in await tx.load(sid, after_version=2)] == [3]
        assert await tx.load(uuid4()) == []
    loaded = await store.load(sid)
    assert [(e.stream_id, e.stream_type, e.version) for e in loaded] == [(sid, "thing", 1), (sid, "thing", 2),
                                                                        (sid, "thing", 3)]


async def test_counting_and_reading_after_a_position(store):
    a, b = uuid4(), uuid4()
    async with store.transaction() as tx:
        await tx.append(a, "thing", 0, [ev(n=1), ev(n=2)])
    async with store.transaction() as tx:
        await tx.append(b, "thing", 0, [ev(n=3)])
    everything = await store.read_all(START)
    assert [dict(e.data)["n"] for e in everything] == [1, 2, 3]
    assert await store.count_after(START) == 3
    assert await store.count_after(everything[0].position) == 2
    assert await store.count_after(everything[-1].position) == 0
    assert [dict(e.data)["n"] for e in await store.read_all(everything[0].position)] == [2, 3]
    assert [dict(e.data)["n"] for e in await store.read_all(START, limit=2)] == [1, 2]
    assert await store.read_all(everything[-1].position) == []
    assert await store.head() == everything[-1].position
    assert everything[0].position < everything[1].position < everything[2].position


def test_a_position_prints_and_parses_back():
    p = Position(123456, 7)
    assert str(p) == "123456:7"
    assert Position.parse(str(p)) == p
    assert Position.parse("0:0") == START
    with pytest.raises(ValueError):
        Position.parse("12")


async def test_a_snapshot_keeps_its_state_and_schema_version_and_none_is_none(store):
    sid = uuid4()
    async with store.transaction() as tx:
        assert await tx.load_snapshot(sid) is None
        await tx.save_snapshot(Snapshot(sid, 3, {"total": 3, "names": ["a", "b"]}, schema_version=2))
    async with store.transaction() as tx:
        await tx.save_snapshot(Snapshot(sid, 4, {"total": 4, "names": []}, schema_version=3))
    async with store.transaction() as tx:
        snap = await tx.load_snapshot(sid)
        assert await tx.load_snapshot(uuid4()) is None
    assert snap is not None
    assert (snap.stream_id, snap.version, dict(snap.state), snap.schema_version) == (
        sid, 4, {"total": 4, "names": []}, 3)


async def test_a_refused_append_names_the_stream_and_both_versions(store):
    sid = uuid4()
    async with store.transaction() as tx:
        await tx.append(sid, "thing", 0, [ev(), ev()])
    with pytest.raises(WrongExpectedVersion) as err:
        async with store.transaction() as tx:
            await tx.append(sid, "thing", 1, [ev()])
    assert (err.value.stream_id, err.value.expected) == (sid, 1)
    assert err.value.detail.startswith(f"stream {sid} expected at version 1")
    assert err.value.status == 409


def test_the_error_says_the_actual_version_when_it_is_known():
    sid = uuid4()
    err = WrongExpectedVersion(sid, 1, 2)
    assert (err.detail, err.actual, err.code) == (f"stream {sid} expected at version 1, but it is at version 2", 2,
                                                  "concurrency-conflict")
    assert WrongExpectedVersion(sid, 0).detail == f"stream {sid} expected at version 0"
