"""pytest plugin (`pytest_plugins = ["gotong.testing.plugin"]`): servers once per run, a database per test."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from uuid import uuid4

import pytest
from sqlalchemy import MetaData
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from gotong.db import create_engine, drop_database, ensure_database
from gotong.eventstore.tables import kit_metadata
from gotong.testing.infra import TestInfra, start_test_infra


@pytest.fixture(scope="session")
def test_infra() -> Iterator[TestInfra]:
    infra = start_test_infra()
    os.environ.setdefault("GOTONG_TEST_SERVER_URL", infra.database_url)
    try:
        yield infra
    finally:
        infra.close()


@pytest.fixture(scope="session")
def kafka_bootstrap(test_infra: TestInfra) -> str:
    return test_infra.kafka_bootstrap


@pytest.fixture
def schema_metadata() -> list[MetaData]:
    """Override in a service's conftest to create its own tables as well as the kit's."""
    return [kit_metadata]


async def create_test_database(server_url: str, metadatas: list[MetaData]) -> str:
    url = make_url(server_url).set(database=f"t_{uuid4().hex[:16]}").render_as_string(hide_password=False)
    await ensure_database(url)
    engine = create_engine(url, pool_size=1)
    async with engine.begin() as conn:
        for md in metadatas:
            await conn.run_sync(md.create_all)
    await engine.dispose()
    return url


@pytest.fixture
async def database_url(test_infra: TestInfra, schema_metadata: list[MetaData]) -> AsyncIterator[str]:
    url = await create_test_database(test_infra.database_url, schema_metadata)
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
