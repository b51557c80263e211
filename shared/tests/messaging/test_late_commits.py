"""The global order never skips an event that commits late: 20 writers, random delays, 5,000 events."""

import asyncio
import random
from collections import defaultdict
from uuid import uuid4

from gotong.eventstore import ConcurrencyError, EventData
from gotong.eventstore.model import START
from gotong.eventstore.postgres import PostgresEventStore

from .conftest import stream_counts

TOTAL = 5000
WRITERS = 20


async def test_tailing_reader_relay_and_consumer_see_every_late_commit_once_in_stream_order(
        engine, relay, consumer):
    store = PostgresEventStore(engine)
    streams = [uuid4() for _ in range(150)]
    rng = random.Random(7)
    remaining = TOTAL
    committed: dict = {}
    writers_done = asyncio.Event()

    async def writer() -> None:
        nonlocal remaining
        while remaining > 0:
            n = min(rng.randint(1, 5), remaining)
            remaining -= n
            while True:
                sid = rng.choice(streams)
                events = [EventData("Counted", {"i": i}) for i in range(n)]
                try:
                    async with store.transaction() as tx:
                        current = len(await tx.load(sid))
                        await tx.append(sid, "counter", current, events)
                        await asyncio.sleep(rng.uniform(0, 0.03))  # commit late, while others go ahead
                    break
                except ConcurrencyError:
                    continue
            for e in events:
                committed[e.event_id] = sid

    seen: list = []

    async def tail() -> None:
        pos = START
        while True:
            batch = await store.read_all(pos, 300)
            seen.extend(batch)
            if batch:
                pos = batch[-1].position
            elif writers_done.is_set() and len(seen) >= TOTAL:
                return
            else:
                await asyncio.sleep(0.005)

    async def relay_loop() -> None:
        await relay.load_checkpoint()
        while not (writers_done.is_set() and await relay.lag() == 0):
            if await relay.run_once() == 0:
                await asyncio.sleep(0.01)

    reader = asyncio.create_task(tail())
    relaying = asyncio.create_task(relay_loop())
    await asyncio.gather(*(writer() for _ in range(WRITERS)))
    writers_done.set()
    await asyncio.wait_for(reader, 60)
    await asyncio.wait_for(relaying, 120)

    ids = [e.event_id for e in seen]
    assert len(committed) == TOTAL
    assert len(ids) == len(set(ids)) == TOTAL, "the tailing reader saw an event twice or missed one"
    assert set(ids) == set(committed)
    by_stream = defaultdict(list)
    for e in seen:
        by_stream[e.stream_id].append(e.version)
    for versions in by_stream.values():
        assert versions == list(range(1, len(versions) + 1))

    await consumer.run_until_idle(timeout=120)
    counts = await stream_counts(engine)
    assert consumer.dead == 0, "an event arrived out of its stream's order"
    assert counts == {sid: len(v) for sid, v in by_stream.items()}
    assert sum(counts.values()) == TOTAL
