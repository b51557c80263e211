"""As `gotong up` does it: migrate a fresh database to head (twice without harm), then load the demo data."""

from uuid import uuid4

from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from gotong.db import create_engine, drop_database
from gotong.eventstore.postgres import PostgresEventStore
from gotong.migrations import migrate
from gotong.service import discover_services
from partnership.adapters.tables import metadata
from partnership.application.publishing import publish_contract
from partnership.config import Settings


async def test_migrations_create_the_read_tables_and_the_demo_loads_on_them(test_infra):
    spec = discover_services()["partnership"]
    url = make_url(test_infra.database_url).set(database=f"m_{uuid4().hex[:12]}").render_as_string(False)
    try:
        await migrate(spec, url)
        await migrate(spec, url)
        assert spec.demo_data is not None
        await spec.demo_data(Settings(database_url=url))
        engine = create_engine(url, pool_size=1)
        try:
            async with engine.connect() as conn:
                tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
                version = (await conn.exec_driver_sql("SELECT version_num FROM alembic_version")).scalar_one()
                counts = (await conn.execute(text(
                    "SELECT (SELECT count(*) FROM partners), (SELECT count(*) FROM projects)"))).one()
            stored = await PostgresEventStore(engine).read_all(limit=100_000)
            counts = (*counts, sum(publish_contract(e) is not None for e in stored))  # what the relay publishes
        finally:
            await engine.dispose()
        assert set(metadata.tables) <= tables
        assert version == "0003"
        assert counts[0] == 11
        assert counts[1] == 3
        assert counts[2] > 11
    finally:
        await drop_database(url)
