"""The csr-ledger app answers health, readiness, OpenAPI and metrics against a real database and broker."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from csr_ledger.config import Settings
from csr_ledger.entrypoints.api.app import create_app
from gotong.messaging.topics import dlq_topic, ensure_topics


@pytest.fixture
async def client(database_url: str, kafka_bootstrap: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap,
                        auth_required=False)
    await ensure_topics(kafka_bootstrap, [settings.topic, dlq_topic(settings.topic)])
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=transport, base_url="http://csr-ledger.test") as client:
        yield client


async def test_is_healthy(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).status_code == 200


async def test_is_ready_when_database_and_broker_answer(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text


async def test_openapi_describes_the_service(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/openapi.json")).json()
    assert doc["info"]["title"] == "Gotong CSR ledger"
    assert "/info" in doc["paths"]


async def test_info_names_the_service_and_its_topic(client: httpx.AsyncClient) -> None:
    info = (await client.get("/info")).json()
    assert info["name"] == "csr-ledger"
    assert info["topic"] == "csr-ledger.events"


async def test_metrics_are_prometheus_text(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "# TYPE" in response.text
