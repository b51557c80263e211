"""A DATABASE_URL as libpq, psql and hosted databases write it works everywhere the kit takes a URL."""

from uuid import uuid4

import pytest
from sqlalchemy.engine import make_url

from gotong.adapters.sql import Database
from gotong.bench.harness import scratch_database
from gotong.db import create_engine, sqlalchemy_url
from gotong.eventstore import EventData
from gotong.eventstore.postgres import PostgresEventStore
from gotong.settings import KitSettings


def test_a_url_without_a_driver_gets_asyncpg():
    assert sqlalchemy_url("postgresql://u:p@db:5432/x") == "postgresql+asyncpg://u:p@db:5432/x"
    assert sqlalchemy_url("postgres://u@db/x?ssl=require") == "postgresql+asyncpg://u@db/x?ssl=require"


def test_a_url_naming_another_postgres_driver_gets_asyncpg_and_keeps_the_rest():
    assert sqlalchemy_url("postgresql+psycopg://u@db:6543/x") == "postgresql+asyncpg://u@db:6543/x"
    assert sqlalchemy_url("postgresql+asyncpg://u@db/x") == "postgresql+asyncpg://u@db/x"


def test_a_url_that_is_not_postgres_is_left_for_the_engine_to_refuse():
    assert sqlalchemy_url("sqlite:///x.db") == "sqlite:///x.db"
    assert sqlalchemy_url("not a url") == "not a url"


def test_settings_take_a_driverless_url():
    settings = KitSettings(service_name="registry", database_url="postgres://u@db/postgres")
    assert settings.service_database_url == "postgresql+asyncpg://u@db/gotong_registry"


def _driverless(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def test_the_event_store_appends_through_a_driverless_url(database_url):
    url = _driverless(database_url)
    assert url.startswith("postgresql://")
    engine = create_engine(url, pool_size=1)
    try:
        store = PostgresEventStore(engine)
        async with store.transaction() as tx:
            await tx.append(uuid4(), "thing", 0, [EventData("Happened", {"a": 1})])
        assert [e.event_type for e in await store.read_all()] == ["Happened"]
    finally:
        await engine.dispose()


async def test_a_benchmark_scratch_database_is_made_and_dropped_through_a_driverless_url(test_infra):
    server = _driverless(test_infra.database_url)
    async with scratch_database(server, "urltest") as url:
        engine = create_engine(url, pool_size=1)
        try:
            async with Database(engine).statement() as sql:
                assert await sql.fetchval("SELECT count(*) FROM events") == 0
        finally:
            await engine.dispose()


@pytest.mark.parametrize("events", [25, 10_005])
async def test_the_kit_benchmark_fills_the_store_with_exactly_the_events_asked_for(test_infra, events):
    # A count below 10,000 (`gotong bench kit --events 2000`) once filled nothing: the relay published nothing and
    # the ratio divided by zero.
    from gotong.bench.kit import _fill

    async with scratch_database(test_infra.database_url, "filltest") as url:
        engine = create_engine(url, pool_size=1)
        try:
            await _fill(PostgresEventStore(engine), events)
            async with Database(engine).statement() as sql:
                row = await sql.fetchrow("SELECT count(*), count(DISTINCT stream_id), max(version) FROM events")
            assert tuple(row) == (events, -(-events // 10), 10)
        finally:
            await engine.dispose()
