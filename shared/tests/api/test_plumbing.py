"""Rate limits, pagination bounds, readiness, metrics, and logs that never carry personal data."""

import json
import logging

import pytest

from gotong.observability.logging import JsonFormatter, scrub

from .conftest import bearer, make_app

NIK = "3273014101900001"


async def test_route_rate_limit_gives_429_with_retry_after_and_ratelimit_headers(client):
    answers = [await client.get("/things/public") for _ in range(5)]
    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    limited = answers[-1]
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    # Both policies are listed, as the draft allows: the route's and the service-wide one.
    assert '"public";q=6;w=60' in limited.headers["ratelimit-policy"]
    assert limited.headers["ratelimit"].startswith('"public";r=0;t=')
    assert limited.json()["type"].endswith("/too-many-requests")


async def test_global_rate_limit_headers_and_429(engine):
    import httpx

    app = make_app(rate_limit_per_minute=60, rate_limit_burst=2)
    app.state.engine = engine
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        first = await c.get("/things", headers=bearer())
        assert first.headers["ratelimit-policy"] == '"default";q=60;w=60'
        await c.get("/things", headers=bearer())
        third = await c.get("/things", headers=bearer())
        assert third.status_code == 429
        assert "retry-after" in third.headers
        assert (await c.get("/healthz")).status_code == 200, "health checks are never rate limited"


async def test_pagination_is_bounded_and_cursors_are_checked(client):
    first = await client.get("/things", params={"limit": 50}, headers=bearer())
    body = first.json()
    assert body["items"] == list(range(1, 51))
    second = await client.get("/things", params={"limit": 50, "cursor": body["next_cursor"]}, headers=bearer())
    assert second.json()["items"][0] == 51
    too_big = await client.get("/things", params={"limit": 100_000}, headers=bearer())
    assert too_big.status_code == 422
    assert too_big.json()["errors"][0]["field"] == "limit"
    bad = await client.get("/things", params={"cursor": "!!not-ours"}, headers=bearer())
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "cursor"


async def test_readyz_reports_failing_checks_with_503(app, client):
    ok = await client.get("/readyz")
    assert ok.status_code == 200
    assert ok.json()["checks"]["database"] == "ok"

    async def kafka_down():
        return "kafka", False

    app.state.readiness_checks.append(kafka_down)
    down = await client.get("/readyz")
    assert down.status_code == 503
    assert down.json()["checks"] == {"database": "ok", "kafka": "failing"}
    assert (await client.get("/healthz")).status_code == 200


async def test_metrics_count_requests_by_route_template(client):
    await client.get("/things", headers=bearer())
    text = (await client.get("/metrics")).text
    assert 'gotong_http_requests_total{method="GET",route="/things",status="200"}' in text


def test_scrub_removes_personal_values_and_keys():
    event = {"nik": NIK, "name": "Siti Aminah", "note": f"lookup of {NIK} by phone 081234567890",
             "nested": [{"alamat": "Jl. Merdeka 1"}], "desil": 3, "region": "32.73.01.1001"}
    cleaned = scrub(event)
    text = json.dumps(cleaned)
    for secret in (NIK, "Siti Aminah", "081234567890", "Jl. Merdeka"):
        assert secret not in text
    assert cleaned["desil"] == 3
    assert cleaned["region"] == "32.73.01.1001"


def test_json_log_line_scrubs_message_extras_and_exceptions():
    formatter = JsonFormatter("registry")
    try:
        raise ValueError(f"duplicate NIK {NIK}")
    except ValueError:
        record = logging.getLogger("t").makeRecord("t", logging.ERROR, __file__, 1, "member %s rejected",
                                                   (NIK,), exc_info=__import__("sys").exc_info(),
                                                   extra={"nama": "Budi Santoso", "household": "hh_1"})
    line = formatter.format(record)
    entry = json.loads(line)
    assert NIK not in line
    assert "Budi Santoso" not in line
    assert entry["household"] == "hh_1"
    assert entry["level"] == "error"
    assert "ValueError" in entry["exception"]


@pytest.mark.parametrize("text", ["3273-0141-0190-0001", "3273 0141 0190 0001"])
def test_grouped_nik_is_scrubbed(text):
    assert "0190" not in scrub(f"nik {text}")
