"""Test databases hold the grievance tables, built by its migrations once per run into a template.

The kit's `schema_service` finds a service by its launcher entry point, which this service does not announce
yet (see the README); so the template is built here from the spec itself, the way the kit builds its own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import uuid4

import asyncpg
import pytest
from sqlalchemy import make_url

from gotong.db import asyncpg_dsn, drop_database
from gotong.migrations import migrate
from grievance.bootstrap import service


def _on(server_url: str, database: str) -> str:
    return make_url(server_url).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
async def grievance_template(test_infra) -> AsyncIterator[str]:
    name = f"tmpl_grievance_{uuid4().hex[:12]}"
    url = _on(test_infra.database_url, name)
    try:
        await migrate(service, url)
        yield name
    finally:
        await drop_database(url)


@pytest.fixture
async def database_url(test_infra, grievance_template: str) -> AsyncIterator[str]:
    url = _on(test_infra.database_url, f"t_{uuid4().hex[:16]}")
    conn = await asyncpg.connect(asyncpg_dsn(test_infra.database_url))
    try:
        await conn.execute(f'CREATE DATABASE "{make_url(url).database}" TEMPLATE "{grievance_template}"')
    finally:
        await conn.close()
    yield url
    await drop_database(url)
