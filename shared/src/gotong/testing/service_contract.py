"""The contract every service app keeps, as one test suite: subclass it in a service's tests.

    class TestRegistryApp(ServiceAppContract):
        service = "registry"
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import ClassVar

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from gotong.infra.embedded import free_port
from gotong.messaging.metrics import RELAY_LAG_EVENTS
from gotong.messaging.topics import dlq_topic, ensure_topics
from gotong.service import discover_services
from gotong.testing.wait import eventually


def sample_value(response: httpx.Response, name: str, labels: dict[str, str]) -> float | None:
    """The value of the sample `name` with exactly these labels in a /metrics response, None if absent."""
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return None


class ServiceAppContract:
    service: ClassVar[str]

    async def _client(self, database_url: str, bootstrap: str) -> AsyncIterator[httpx.AsyncClient]:
        spec = discover_services()[self.service]
        settings = spec.settings(database_url=database_url, kafka_bootstrap_servers=bootstrap, auth_required=False)
        app = spec.create_app(settings)
        async with app.router.lifespan_context(app), httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url=f"http://{self.service}.test") as client:
            yield client

    @pytest.fixture
    async def client(self, database_url: str, kafka_bootstrap: str) -> AsyncIterator[httpx.AsyncClient]:
        spec = discover_services()[self.service]
        topics = [f"{self.service}.events", *spec.consumes]
        await ensure_topics(kafka_bootstrap, [*topics, *(dlq_topic(t) for t in topics)])
        async for client in self._client(database_url, kafka_bootstrap):
            yield client

    async def test_is_healthy(self, client: httpx.AsyncClient) -> None:
        body = (await client.get("/healthz")).json()
        assert body == {"status": "ok", "service": self.service}

    async def test_is_ready_when_database_and_broker_answer(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/readyz")
        assert response.status_code == 200, response.text
        assert response.json()["checks"] == {"database": "ok", "kafka": "ok"}

    async def test_is_not_ready_without_the_broker(self, database_url: str) -> None:
        async for client in self._client(database_url, f"127.0.0.1:{free_port()}"):
            response = await client.get("/readyz")
            assert response.status_code == 503
            assert response.json()["checks"]["kafka"] == "failing"

    async def test_openapi_and_info_describe_the_service(self, client: httpx.AsyncClient) -> None:
        doc = (await client.get("/openapi.json")).json()
        assert doc["info"]["title"].startswith("Gotong ")
        assert {"/healthz", "/readyz", "/metrics", "/info"} <= set(doc["paths"])
        info = (await client.get("/info")).json()
        assert (info["name"], info["topic"]) == (self.service, f"{self.service}.events")

    async def test_every_answer_carries_the_security_headers(self, client: httpx.AsyncClient) -> None:
        """A 'self'-only policy that forbids framing, nosniff, DENY and a referrer policy on successes and
        problems alike; the docs load the kit's own Swagger UI, not a CDN's."""
        for path in ("/healthz", "/openapi.json", "/no-such-path", "/docs"):
            response = await client.get(path)
            policy = response.headers["content-security-policy"]
            assert policy.startswith("default-src 'self';"), path
            assert "frame-ancestors 'none'" in policy, path
            assert response.headers["x-content-type-options"] == "nosniff", path
            assert response.headers["x-frame-options"] == "DENY", path
            assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin", path
        docs = await client.get("/docs")
        assert "/docs-assets/swagger-ui-bundle.js" in docs.text
        assert "cdn.jsdelivr.net" not in docs.text
        assert (await client.get("/docs-assets/swagger-ui-bundle.js")).status_code == 200

    async def test_metrics_are_prometheus_text(self, client: httpx.AsyncClient) -> None:
        """Parsed as Prometheus reads it, and checked by value: a name in a `# HELP` line proves nothing."""
        info = {"route": "/info", "method": "GET", "status": "200"}
        before = sample_value(await client.get("/metrics"), "gotong_http_requests_total", info) or 0.0
        for _ in range(2):
            assert (await client.get("/info")).status_code == 200
        response = await client.get("/metrics")
        assert response.headers["content-type"].startswith("text/plain")
        assert sample_value(response, "gotong_http_requests_total", info) == before + 2
        # The relay reports this service's lag from its own database: the sentinel is overwritten with 0 once it
        # has published what the app wrote at start-up (the registry is per process, so the label matters).
        RELAY_LAG_EVENTS.labels(self.service).set(-1)

        async def lag() -> float | None:
            return sample_value(await client.get("/metrics"), "gotong_relay_lag_events", {"service": self.service})

        assert await eventually(lag, lambda v: v == 0.0, timeout=30, what="the relay's lag gauge at 0") == 0.0
