"""The grievance database's revisions build exactly the live tables (no drift), twice without harm, and go down to
revision 0001 and up again."""

from __future__ import annotations

from uuid import uuid4

import pytest
from sqlalchemy import make_url

from gotong.db import drop_database
from gotong.migrations import drift, migrate
from grievance.bootstrap import service


@pytest.fixture
async def url(test_infra):
    url = make_url(test_infra.database_url).set(database=f"g_{uuid4().hex[:12]}").render_as_string(False)
    yield url
    await drop_database(url)


async def test_the_revisions_build_the_live_tables_and_come_back_down(url):
    spec = service
    await migrate(spec, url)
    await migrate(spec, url)
    assert await drift(spec, url) == []
    await migrate(spec, url, "0001")
    await migrate(spec, url)
    assert await drift(spec, url) == []
