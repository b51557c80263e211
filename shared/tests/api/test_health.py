"""Liveness, readiness with registered checks (each bounded by a timeout), and Prometheus metrics."""

import asyncio

import pytest

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


@pytest.mark.parametrize("thing_id", ["3273014101900001"])
async def test_metrics_count_requests_by_route_template_method_and_status(client, thing_id):
    await client.get("/things", headers=bearer())
    await client.get(f"/nowhere/{thing_id}")
    text = (await client.get("/metrics")).text
    assert 'gotong_http_requests_total{method="GET",route="/things",status="200"}' in text
    assert 'gotong_http_request_seconds_bucket{le="0.005",method="GET",route="/things",status="200"}' in text
    assert 'route="unmatched",status="404"' in text
    assert thing_id not in text, "raw paths never become labels"
    assert 'route="/metrics"' not in text
