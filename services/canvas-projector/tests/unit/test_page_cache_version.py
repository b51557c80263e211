"""The page cache's version is bounded-stale: used as known while it is younger than FRESH_S, read again in the
background past that, waited for only past STALE_S, and one query at a time."""

import asyncio

import pytest

from canvas_projector.entrypoints.api.page_cache import FRESH_S, STALE_S, DataVersion


class Versions:
    """The read model's version as a counter that moves when told; counts the queries and can hold one open."""

    def __init__(self) -> None:
        self.now = 0.0
        self.data = 1
        self.queries = 0
        self.gate: asyncio.Event | None = None

    async def read(self) -> int:
        self.queries += 1
        if self.gate is not None:
            await self.gate.wait()
        return self.data


async def settled() -> None:
    """Let the background query run to its end (it awaits nothing unless gated)."""
    for _ in range(5):
        await asyncio.sleep(0)


async def test_the_first_request_waits_then_a_fresh_version_costs_no_query():
    v = Versions()
    version = DataVersion(v.read, clock=lambda: v.now)
    assert await version.current() == 1
    v.data = 2
    v.now += FRESH_S / 2
    assert await version.current() == 1, "fresh: the known version, as it is"
    assert v.queries == 1


async def test_past_fresh_the_known_version_answers_while_the_new_one_is_read():
    v = Versions()
    version = DataVersion(v.read, clock=lambda: v.now)
    await version.current()
    v.data = 2
    v.now += (FRESH_S + STALE_S) / 2
    assert await version.current() == 1, "not stale yet: no wait"
    await settled()
    assert v.queries == 2, "read again in the background"
    assert await version.current() == 2


async def test_past_stale_requests_wait_for_one_shared_query():
    v = Versions()
    version = DataVersion(v.read, clock=lambda: v.now)
    await version.current()
    v.data, v.gate = 3, asyncio.Event()
    v.now += STALE_S + 0.01
    waiting = [asyncio.create_task(version.current()) for _ in range(20)]
    await settled()
    assert not any(w.done() for w in waiting), "stale: every request waits"
    v.gate.set()
    assert await asyncio.gather(*waiting) == [3] * 20
    assert v.queries == 2, "one query for all who waited"


async def test_a_failed_query_fails_its_waiters_and_the_next_request_tries_again():
    v = Versions()
    calls = 0

    async def read() -> int:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database away")
        return 7

    version = DataVersion(read, clock=lambda: v.now)
    with pytest.raises(ConnectionError):
        await version.current()
    assert await version.current() == 7
