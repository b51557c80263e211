"""Every service migrates a fresh database to head, twice without harm, ending with the kit's tables."""

from uuid import uuid4

import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from gotong.db import create_engine, drop_database
from gotong.eventstore.tables import kit_metadata
from gotong.migrations import migrate
from gotong.service import discover_services

SERVICES = discover_services()


def test_all_six_services_are_installed():
    assert set(SERVICES) == {"registry", "disbursement", "csr-ledger", "enterprise", "partnership",
                             "canvas-projector"}
    assert len({s.port for s in SERVICES.values()}) == 6


@pytest.mark.parametrize("name", sorted(SERVICES))
async def test_service_migrates_to_head_idempotently(name, test_infra):
    url = make_url(test_infra.database_url).set(database=f"m_{uuid4().hex[:12]}").render_as_string(False)
    try:
        await migrate(SERVICES[name], url)
        await migrate(SERVICES[name], url)
        engine = create_engine(url, pool_size=1)
        async with engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            version = (await conn.exec_driver_sql("SELECT version_num FROM alembic_version")).scalar_one()
        await engine.dispose()
        assert set(kit_metadata.tables) <= tables
        assert version
    finally:
        await drop_database(url)
