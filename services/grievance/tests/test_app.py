"""The grievance app keeps the service contract: health, readiness (database and broker), OpenAPI, /info, metrics.

The spec is taken from the service itself: it is not announced to the launcher yet (see the README)."""

from collections.abc import AsyncIterator

import httpx
import pytest

from gotong.messaging.topics import dlq_topic, ensure_topics
from gotong.testing.service_contract import ServiceAppContract
from grievance.bootstrap import service as spec


class TestGrievanceApp(ServiceAppContract):
    service = "grievance"

    async def _client(self, database_url: str, bootstrap: str) -> AsyncIterator[httpx.AsyncClient]:
        settings = spec.settings(database_url=database_url, kafka_bootstrap_servers=bootstrap, auth_required=False)
        app = spec.create_app(settings)
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url=f"http://{self.service}.test") as client:
            yield client

    @pytest.fixture
    async def client(self, database_url: str, kafka_bootstrap: str) -> AsyncIterator[httpx.AsyncClient]:
        topics = [f"{self.service}.events", *spec.consumes]
        await ensure_topics(kafka_bootstrap, [*topics, *(dlq_topic(t) for t in topics)])
        async for client in self._client(database_url, kafka_bootstrap):
            yield client
