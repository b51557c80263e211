"""The PostgreSQL store's single-event append is one statement: with the unit of work's BEGIN and COMMIT, three
round trips, as many as a bare asyncpg single-row transaction (`gotong bench kit` compares the two). A version
lookup or an outbox write of its own would show here before it showed in the benchmark."""

import asyncio
from uuid import UUID, uuid4

import asyncpg

from gotong.eventstore import EventData
from gotong.eventstore.postgres import PostgresEventStore


async def _statements_of_one_append(store: PostgresEventStore, stream_id: UUID, expected: int) -> list[str]:
    statements: list[str] = []

    def log(query: asyncpg.connection.LoggedQuery) -> None:
        statements.append(query.query.split()[0])

    async with store.transaction() as tx:
        driver = tx.sql.driver
        driver.add_query_logger(log)  # the BEGIN has gone already: counted from here
        await tx.append(stream_id, "thing", expected, [EventData("Happened", {"n": expected + 1})])
    try:
        async with asyncio.timeout(5):  # asyncpg hands logged queries over on a later turn of the loop
            while "COMMIT;" not in statements:
                await asyncio.sleep(0.01)
    finally:
        driver.remove_query_logger(log)
    return statements


async def test_a_single_event_append_is_one_insert_for_a_new_stream_and_for_an_existing_one(engine):
    store = PostgresEventStore(engine)
    sid = uuid4()
    assert await _statements_of_one_append(store, sid, 0) == ["INSERT", "COMMIT;"]
    assert await _statements_of_one_append(store, sid, 1) == ["INSERT", "COMMIT;"]
    assert [e.version for e in await store.load(sid)] == [1, 2]
