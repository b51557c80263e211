"""Migration 0003 creates the DCI tables on a database migrated from nothing, and takes them away again."""

from uuid import uuid4

from alembic import command
from sqlalchemy.engine import make_url

from gotong.db import create_engine, drop_database
from gotong.migrations import alembic_config, migrate
from registry.bootstrap import service
from registry.dci.adapters.tables import DCI_TABLES


async def _tables(url: str) -> set[str]:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as conn:
            rows = await conn.exec_driver_sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            return {r[0] for r in rows}
    finally:
        await engine.dispose()


async def test_migrations_create_and_drop_the_dci_tables(test_infra):
    url = make_url(test_infra.database_url).set(database=f"m_{uuid4().hex[:12]}").render_as_string(
        hide_password=False)
    names = {t.name for t in DCI_TABLES}
    try:
        await migrate(service, url)
        assert names <= await _tables(url)
        assert {"households", "events"} <= await _tables(url)
        await migrate_down(url, "0002")
        assert not names & await _tables(url)
        assert "households" in await _tables(url)
    finally:
        await drop_database(url)


async def migrate_down(url: str, revision: str) -> None:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync: command.downgrade(alembic_config(service.migrations, url, sync),
                                                               revision))
    finally:
        await engine.dispose()
