"""The read model on the real PostgreSQL: the counts the triggers keep are what counting the items gives, after
inserts, state changes, stale versions, tombstones and deletes in one batch and across batches; a batch gives
what the same changes applied one at a time give."""

from datetime import UTC, datetime, timedelta

from gotong.adapters.sql import Sql
from gotong.db import create_engine
from ops_console.adapters.read_model import ReadModel
from ops_console.domain.operations import Forget, Paid, Track

NOW = datetime(2026, 12, 1, 5, 30, tzinfo=UTC)

BATCHES = [
    [Track("review", "h1", "flagged", NOW - timedelta(hours=2), reason="duplicate_kk", version=1),
     Track("review", "h2", "flagged", NOW - timedelta(days=3), reason="duplicate_nik", version=1),
     Track("review", "h1", "under_review", NOW - timedelta(hours=1), reason="duplicate_kk", version=2),
     Track("review", "h1", "flagged", NOW, reason="stale", version=1),  # older version: changes nothing
     Track("held", "c1", "held", NOW, amount=1_500, version=1),
     Paid(NOW), Paid(NOW), Paid(NOW + timedelta(minutes=1)),
     Track("exception", "p1", "failed", NOW, version=1),
     Track("cycle", "c1", "paying", NOW, forward_only=True, version=0),
     Track("cycle", "c1", "approved", NOW, forward_only=True, version=0)],  # backwards: changes nothing
    [Forget("review", "h2", version=5),  # a tombstone
     Track("review", "h2", "flagged", NOW, reason="late", version=3),  # older than the tombstone
     Forget("exception", "p1"),
     Track("review", "h3", "flagged", NOW - timedelta(days=40), reason="probable_duplicate", version=1),
     Track("allocation", "a1", "pending_approval", NOW, reason="PKH", version=0)],
]


async def state(sql: Sql) -> tuple[list[tuple], list[tuple], list[tuple]]:
    items = await sql.fetch("SELECT kind, item_id, state, reason, version FROM console_items ORDER BY 1, 2")
    counted = await sql.fetch("SELECT kind, state, reason, count(*) AS n, sum(amount) AS amount FROM console_items "
                              "WHERE state <> 'gone' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3")
    kept = await sql.fetch("SELECT kind, state, reason, sum(n) AS n, sum(amount) AS amount FROM console_counts "
                           "GROUP BY 1, 2, 3 HAVING sum(n) <> 0 ORDER BY 1, 2, 3")
    paid = await sql.fetch("SELECT minute, payments FROM console_paid_minutes ORDER BY 1")
    assert [tuple(r) for r in kept] == [tuple(r) for r in counted], "the kept counts are the items counted"
    return [tuple(r) for r in items], [tuple(r) for r in counted], [tuple(r) for r in paid]


async def test_counts_kept_by_the_triggers_match_the_items_and_a_batch_equals_one_at_a_time(database_url):
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.begin() as conn:
            sql = await Sql.over(conn)
            for batch in BATCHES:
                await ReadModel(sql).apply_all(batch)
            batched = await state(sql)
            counters = await ReadModel(sql).counters(NOW)
            await sql.execute("TRUNCATE console_items, console_counts, console_paid_minutes")
            for batch in BATCHES:
                for change in batch:
                    await ReadModel(sql).apply(change)
            one_by_one = await state(sql)
    finally:
        await engine.dispose()
    assert batched == one_by_one
    items = {(kind, item): (st, reason, version) for kind, item, st, reason, version in batched[0]}
    assert items[("review", "h1")] == ("under_review", "duplicate_kk", 2)
    assert items[("review", "h2")][0] == "gone"
    assert ("exception", "p1") not in items
    assert items[("cycle", "c1")][0] == "paying"
    assert counters.review_queue == {"duplicate_kk": {"<1d": 1}, "probable_duplicate": {">30d": 1}}
    assert counters.held_households == 1_500
    assert counters.cycles == {"paying": 1}
    assert counters.approvals_waiting == {"csr_allocation": 1}
    assert counters.exceptions_open == {}
    assert counters.payments_this_minute == 2
