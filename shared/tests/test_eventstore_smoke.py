from uuid import uuid4

from gotong.eventstore import EventData
from gotong.eventstore.postgres import PostgresEventStore


async def test_append_and_load(engine):
    store = PostgresEventStore(engine)
    sid = uuid4()
    async with store.transaction() as tx:
        assert await tx.append(sid, "thing", 0, [EventData("Created", {"a": 1}), EventData("Renamed", {"b": 2})]) == 2
    events = await store.load(sid)
    assert [e.version for e in events] == [1, 2]
    assert [e.data for e in events] == [{"a": 1}, {"b": 2}]
    all_ = await store.read_all()
    assert [e.event_id for e in all_] == [e.event_id for e in events]
