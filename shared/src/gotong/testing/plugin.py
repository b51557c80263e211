"""pytest plugin (`pytest_plugins = ["gotong.testing.plugin"]`): servers once per run, a database per test.

A test database is a copy (`CREATE DATABASE ... TEMPLATE`) of a template built once per run by the service's
migrations at head, or by the kit's frozen ops for kit-only tests: tests run on the schema that production
gets, and a copy takes milliseconds. Templates are named per process, so several pytest runs can share one
PostgreSQL server, and are dropped when the run ends.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from uuid import uuid4

import asyncpg
import pytest
from sqlalchemy import MetaData
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from gotong.db import asyncpg_dsn, create_engine, drop_database
from gotong.testing.infra import TestInfra, start_test_infra

_RUN = f"{os.getpid()}_{uuid4().hex[:6]}"
_templates: dict[tuple[str, str | None], str] = {}  # (server URL, service or None for the kit) -> database


@pytest.fixture(scope="session")
def test_infra() -> Iterator[TestInfra]:
    infra = start_test_infra()
    os.environ.setdefault("GOTONG_TEST_SERVER_URL", infra.database_url)
    try:
        yield infra
    finally:
        _drop_templates(infra.database_url)
        infra.close()


@pytest.fixture(scope="session")
def kafka_bootstrap(test_infra: TestInfra) -> str:
    return test_infra.kafka_bootstrap


@pytest.fixture
def schema_service() -> str | None:
    """Override in a service's conftest with the service's name: test databases then hold its tables (its
    migrations at head) as well as the kit's. None: the kit's tables only."""
    return None


@pytest.fixture
def schema_extra() -> Sequence[MetaData]:
    """Override to add a test suite's own tables (a test-only read model) on top of the migrated schema."""
    return ()


def _on(server_url: str, database: str) -> str:
    return make_url(server_url).set(database=database).render_as_string(hide_password=False)


async def template_database(server_url: str, service: str | None = None) -> str:
    """The name of this run's template for `service` (None: kit only) on the server, built on first use."""
    key = (server_url, service)
    if key not in _templates:
        from gotong.migrations import migrate, migrate_kit
        from gotong.service import discover_services

        name = f"tmpl_{(service or 'kit').replace('-', '_')}_{_RUN}"
        _templates[key] = name  # before building: a half-built template is dropped at the end too
        url = _on(server_url, name)
        if service is None:
            await migrate_kit(url)
        else:
            await migrate(discover_services()[service], url)  # disposes its engine: nobody stays connected
    return _templates[key]


async def create_test_database(server_url: str, service: str | None = None,
                               extra: Sequence[MetaData] = ()) -> str:
    """A fresh database: the kit's tables, the service's tables if given (its migrations at head), then any
    `extra` tables. Returns its URL; drop it with `gotong.db.drop_database`."""
    template = await template_database(server_url, service)
    url = _on(server_url, f"t_{uuid4().hex[:16]}")
    conn = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await conn.execute(f'CREATE DATABASE "{make_url(url).database}" TEMPLATE "{template}"')
    finally:
        await conn.close()
    if extra:
        engine = create_engine(url, pool_size=1)
        async with engine.begin() as c:
            for md in extra:
                await c.run_sync(md.create_all)
        await engine.dispose()
    return url


def _drop_templates(server_url: str) -> None:
    names = [name for (server, _), name in _templates.items() if server == server_url]

    async def drop() -> None:
        for name in names:
            await drop_database(_on(server_url, name))

    if names:  # in a thread of its own: this thread may hold pytest-asyncio's (stopped) event loop
        worker = threading.Thread(target=asyncio.run, args=(drop(),))
        worker.start()
        worker.join()
    for key in [k for k in _templates if k[0] == server_url]:
        del _templates[key]


@pytest.fixture
async def database_url(test_infra: TestInfra, schema_service: str | None,
                       schema_extra: Sequence[MetaData]) -> AsyncIterator[str]:
    url = await create_test_database(test_infra.database_url, schema_service, schema_extra)
    yield url
    await drop_database(url)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = create_engine(database_url, pool_size=30)
    yield eng
    await eng.dispose()


@pytest.fixture
def unique_name() -> str:
    return f"t{uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def span_exporter() -> Iterator[object]:
    """Every span of this test process, in memory (the tracer provider can be set only once per process)."""
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from gotong.observability.tracing import add_span_processor, configure_tracing

    exporter = InMemorySpanExporter()
    configure_tracing("gotong-tests")  # no-op when an app under test configured tracing already
    add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.clear()
