"""The outermost fast path answers one route with what the kit's layers give every answer (security headers, the
rate limit and its headers, metrics, the crash guard's problem+json, the input guard's refusals), and leaves
everything else to the whole stack."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, ConfigDict, Field

from gotong.api.app import create_app
from gotong.api.fast_path import FastPath, install_fast_path
from gotong.api.input import text_flaw
from gotong.api.metrics import REQUESTS
from gotong.api.security_headers import CSP
from gotong.observability import tracing
from gotong.settings import KitSettings

from .conftest import NIK, bearer


class Ask(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=2, max_length=40)


router = APIRouter()


@router.post("/ask")
async def ask(body: Ask) -> dict[str, str]:
    return {"via": "stack", "name": body.name}


async def reply(scope: Any, body: bytes) -> bytes | None:
    try:
        query = Ask.model_validate_json(body)
    except ValueError:
        return None
    if text_flaw(query.name):
        return None
    if query.name == "boom":
        raise RuntimeError(f"lookup failed for {{'nik': '{NIK}'}}")
    if query.name == "away":
        raise ConnectionRefusedError("the database is away")
    return b'{"via":"fast"}'


def build(**overrides: Any) -> FastAPI:
    settings = KitSettings(**{"service_name": "fast", "log_json": True, **overrides})
    app = create_app(settings, title="fast", routers=[router])
    install_fast_path(app, method="POST", path="/ask", handler=lambda app: reply)
    return app


@pytest.fixture
def overrides() -> dict[str, Any]:
    return {}


@pytest.fixture
async def client(overrides) -> AsyncIterator[httpx.AsyncClient]:
    app = build(**overrides)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


def counted(status: int) -> float:
    return REQUESTS.labels("/ask", "POST", str(status))._value.get()  # type: ignore[attr-defined]


async def test_it_is_the_outermost_layer_and_answers_with_the_kits_headers(client):
    fast = await client.post("/ask", json={"name": "Siti"})
    stack = await client.post("/ask?via=stack", json={"name": "Siti"})  # a query string: the whole stack
    assert isinstance(client._transport.app.build_middleware_stack(), FastPath)  # type: ignore[attr-defined]
    assert fast.status_code == stack.status_code == 200
    assert fast.json() == {"via": "fast"}
    assert stack.json() == {"via": "stack", "name": "Siti"}
    assert fast.headers["cache-control"] == "no-store"
    assert fast.headers["content-type"] == "application/json"
    assert fast.headers["content-security-policy"] == CSP
    for name in ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy",
                 "ratelimit-policy"):
        assert fast.headers[name] == stack.headers[name], name
    assert fast.headers["ratelimit"].startswith('"default";r=')


async def test_it_is_counted_in_the_metrics_under_the_route(client):
    before = counted(200)
    await client.post("/ask", json={"name": "Siti"})
    assert counted(200) == before + 1
    metrics = (await client.get("/metrics")).text
    assert 'gotong_http_request_seconds_count{method="POST",route="/ask",status="200"}' in metrics


async def test_invalid_input_is_the_stacks_problem_naming_the_field(client):
    r = await client.post("/ask", json={"name": "S"})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "body.name"
    guarded = await client.post("/ask", json={"name": "Siti\u0007"})  # what the input guard refuses
    assert guarded.status_code == 422
    assert guarded.json()["errors"][0]["field"] == "body.name"
    assert guarded.headers["content-security-policy"] == CSP


@pytest.mark.parametrize("overrides", [{"rate_limit_per_minute": 60, "rate_limit_burst": 2}])
async def test_it_spends_the_service_wide_limit_once_per_request(client):
    assert (await client.post("/ask", json={"name": "S"})).status_code == 422  # the stack answers: counted once
    assert (await client.post("/ask", json={"name": "Siti"})).status_code == 200
    refused = await client.post("/ask", json={"name": "Siti"})
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["ratelimit"].startswith('"default";r=0;')


async def test_a_crash_is_the_kits_500_logged_without_personal_data(client, caplog):
    caplog.set_level(logging.ERROR, logger="gotong.api")
    before = counted(500)
    r = await client.post("/ask", json={"name": "boom"})
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("/internal-error")
    assert r.headers["content-security-policy"] == CSP
    assert NIK not in r.text
    assert counted(500) == before + 1
    assert [rec.getMessage() for rec in caplog.records] == ["unhandled error"]


async def test_a_dependency_away_is_503_with_retry_after(client):
    r = await client.post("/ask", json={"name": "away"})
    assert r.status_code == 503
    assert int(r.headers["retry-after"]) >= 1
    assert r.headers["x-frame-options"] == "DENY"


@pytest.mark.parametrize(("headers", "content"), [
    (bearer(), b'{"name": "Siti"}'),  # the rate limit keys a verified token by its subject
    ({}, b'{"name": "' + b"x" * 5000 + b'"}'),  # larger than the fast path reads
])
async def test_what_it_does_not_take_goes_through_the_stack(client, headers, content):
    r = await client.post("/ask", content=content, headers={**headers, "content-type": "application/json"})
    assert r.status_code in (200, 422)
    assert r.json() != {"via": "fast"}


async def test_while_spans_are_recorded_the_stack_answers(client, monkeypatch):
    monkeypatch.setattr(tracing, "recording", lambda: True)
    r = await client.post("/ask", json={"name": "Siti"})
    assert r.json() == {"via": "stack", "name": "Siti"}
