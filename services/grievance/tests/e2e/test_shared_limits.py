"""The public channel's limit holds across replicas: two grievance apps on one database share one budget per
address, and the database holds a keyed MAC of the address, never the address."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import asyncpg
import httpx
import pytest

from gotong.db import asyncpg_dsn
from gotong.domain.clock import FixedClock
from gotong.messaging.topics import dlq_topic, ensure_topics
from grievance.bootstrap import create_app

from .conftest import problem, settings


@pytest.fixture
async def replicas(database_url: str, kafka_bootstrap: str, clock: FixedClock) -> AsyncIterator[list[Any]]:
    await ensure_topics(kafka_bootstrap, ["grievance.events", dlq_topic("grievance.events")])
    async with AsyncExitStack() as stack:
        apps = []
        for _ in range(2):  # one a minute, one at once: a slow machine changes nothing
            app = create_app(settings(database_url, kafka_bootstrap, public_per_minute=1), clock=clock, jobs=False)
            await stack.enter_async_context(app.router.lifespan_context(app))
            apps.append(app)
        yield apps


def client(app: Any, peer: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(peer, 40000)),
                             base_url="http://grievance")


async def test_an_address_over_the_limit_on_one_replica_is_refused_by_the_other(replicas, database_url):
    one, two = replicas
    path = "/public/cases/GRV-0000-0000-0000"
    async with client(one, "198.51.100.5") as first, client(two, "198.51.100.5") as second:
        assert (await first.get(path)).status_code == 404
        refused = await second.get(path, headers={"X-Forwarded-For": "203.0.113.1"})
        problem(refused, 429)
        assert int(refused.headers["Retry-After"]) >= 1
        assert refused.headers["RateLimit-Policy"].startswith('"grievance-public";q=1;w=60')
    async with client(two, "198.51.100.6") as other:
        assert (await other.get(path)).status_code == 404
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        rows = await conn.fetch("SELECT key, t::text AS row FROM rate_limits t")
    finally:
        await conn.close()
    assert len(rows) == 2
    assert all(len(r["key"]) == 32 and "198.51.100" not in r["row"] for r in rows)
