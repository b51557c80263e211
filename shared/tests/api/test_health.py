"""Liveness, readiness with registered checks (each bounded by a timeout), and Prometheus metrics."""

import asyncio

import pytest
from prometheus_client.parser import text_string_to_metric_families

from gotong.api import health

from .conftest import bearer


async def test_healthz_answers_while_the_process_lives(client):
    r = await client.get("/healthz")
    assert r.json() == {"status": "ok", "service": "things"}


async def test_readyz_is_200_when_database_and_checks_answer(app, client):
    async def kafka():
        return "kafka", True

    app.state.readiness_checks.append(kafka)
    r = await client.get("/readyz")
    assert r.status_code == 200
    assert r.json()["checks"] == {"database": "ok", "kafka": "ok"}


async def test_readyz_is_503_problem_naming_the_failing_check(app, client):
    async def kafka():
        return "kafka", False

    async def broken():
        raise ConnectionError("broker away")

    app.state.readiness_checks += [kafka, broken]
    r = await client.get("/readyz")
    assert r.status_code == 503
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["checks"] == {"database": "ok", "kafka": "failing", "broken": "failing"}
    assert "kafka" in body["detail"]
    assert "broken" in body["detail"]
    assert (await client.get("/healthz")).status_code == 200, "not ready is still alive"


async def test_a_hanging_check_times_out_instead_of_hanging_readyz(app, client, monkeypatch):
    monkeypatch.setattr(health, "CHECK_TIMEOUT_S", 0.2)

    async def slow_broker():
        await asyncio.sleep(30)
        return "kafka", True

    app.state.readiness_checks.append(slow_broker)
    r = await asyncio.wait_for(client.get("/readyz"), 5)
    assert r.status_code == 503
    assert r.json()["checks"]["slow_broker"] == "failing"


async def test_readyz_is_503_when_the_database_does_not_answer(app, client):
    class DeadEngine:
        def connect(self):
            raise OSError("connection refused")

    engine, app.state.engine = app.state.engine, DeadEngine()
    try:
        r = await client.get("/readyz")
    finally:
        app.state.engine = engine
    assert r.status_code == 503
    assert r.json()["checks"]["database"] == "failing"


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a /metrics text as Prometheus parses it: (name, labels) -> value."""
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def labels(**kw: str) -> frozenset[tuple[str, str]]:
    return frozenset(kw.items())


@pytest.mark.parametrize("thing_id", ["3273014101900001"])
async def test_metrics_count_requests_by_route_template_method_and_status(client, thing_id):
    things, unmatched = labels(method="GET", route="/things", status="200"), labels(method="GET", route="unmatched",
                                                                                      status="404")
    before = samples((await client.get("/metrics")).text)  # the registry is per process: count from here
    for _ in range(3):
        assert (await client.get("/things", headers=bearer())).status_code == 200
    assert (await client.get(f"/nowhere/{thing_id}")).status_code == 404
    await client.get("/healthz")
    text = (await client.get("/metrics")).text
    after = samples(text)

    def grew(name: str, which: frozenset[tuple[str, str]]) -> float:
        return after[(name, which)] - before.get((name, which), 0.0)

    assert grew("gotong_http_requests_total", things) == 3
    assert grew("gotong_http_request_seconds_count", things) == 3
    assert grew("gotong_http_request_seconds_bucket", things | {("le", "+Inf")}) == 3
    assert after[("gotong_http_request_seconds_sum", things)] > 0
    assert grew("gotong_http_requests_total", unmatched) == 1
    assert thing_id not in text, "raw paths never become labels"
    assert not [k for k in after if ("route", "/metrics") in k[1] or ("route", "/healthz") in k[1]], \
        "the probes are not counted"
