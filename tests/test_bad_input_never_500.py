"""Never a 500 for bad input: every route of every service, each parameter and body field in turn given a NUL
byte, a lone surrogate, an integer past 64 bits, a wrong type, a calendar-edge date or a long string (the rest
of the request plausible, path ids taken from the service's demo data), answers below 500 and logs no
traceback; a NUL byte or a lone surrogate answers 422 problem+json naming the field with a token and without
one, an integer past 64 bits where an integer belongs does so too; and every integer a request may carry is
declared with bounds. A browser app (a service with `sign_in`, the ops console) has its pages walked too, signed out:
a page that needs a session refuses with 303 (to the sign-in), 401 or 403 (422 for a NUL byte or a lone surrogate,
refused before anyone asks who is calling), never 5xx, whatever the input."""

from __future__ import annotations

import copy
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

import httpx
import pytest
from sqlalchemy import text

from gotong.db import drop_database
from gotong.messaging.topics import dlq_topic, ensure_topics
from gotong.service import discover_services
from gotong.testing.hostile import Probe, probes, unbounded_integers
from gotong.testing.plugin import create_test_database
from gotong.testing.tokens import TokenIssuer

SERVICES = discover_services()
ISSUER = TokenIssuer()
QUIET = {"relay_enabled": False, "rate_limit_per_minute": 10**7, "rate_limit_burst": 10**7}
OWN: dict[str, dict[str, Any]] = {
    "registry": {"consume_disbursement": False, "status_check_per_minute": 10**7, "dci_worker_interval_s": 3600},
    "disbursement": {"consume_registry": False, "consume_csr_ledger": False, "dispatch_enabled": False},
    "csr-ledger": {"consume_disbursement": False, "expiry_interval_s": 3600},
    "enterprise": {"consume_csr": False, "consume_registry": False},
    "partnership": {"overdue_check_interval_s": 0},
    "canvas-projector": {},
    # its jobs off (the SLA job and the follow-up worker would call the registry and disbursement), and no public
    # rate limit
    "grievance": {"sla_interval_s": 3600, "follow_up_interval_s": 3600, "public_per_minute": 10**7},
    # its dashboard consumer off; the walk goes signed out (no session cookie: a bearer token opens no page)
    "ops-console": {"consumers_enabled": False},
}


@dataclass
class Walk:
    service: str
    client: httpx.AsyncClient
    ids: dict[str, str]


async def _seed(service: str, settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The service's demo data (small), so path ids name things that exist and bad values travel deep.
    Runs once the app has started (the disbursement defines its shipped programs at startup)."""
    spec = SERVICES[service]
    if service == "registry":
        monkeypatch.setattr("registry.demo.DEMO_HOUSEHOLDS", 30)
    if service == "disbursement":
        from disbursement.adapters import replica
        from disbursement.demo import load_demo
        from disbursement.fixtures import changed, household_ref
        from gotong.adapters.sql import Database
        from gotong.db import create_engine

        engine = create_engine(settings.service_database_url, pool_size=1)
        async with Database(engine).transaction() as sql:
            for n in range(5):
                await replica.apply_changed(sql, changed(household_ref(n), 1))
        await engine.dispose()
        await load_demo(settings, wait_s=0.5)
    elif spec.demo_data is not None:
        await spec.demo_data(settings)


async def _existing_ids(app: Any) -> dict[str, str]:
    """A real value for each path parameter name, found by column name (`company_id` -> companies.id)."""
    async with app.state.engine.connect() as conn:
        columns = (await conn.execute(text(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND data_type IN ('uuid', 'text', 'character varying', 'integer', 'bigint', 'smallint') "
            "ORDER BY table_name, ordinal_position"))).all()
        names = {p["name"] for item in app.openapi()["paths"].values() for op in item.values()
                 if isinstance(op, dict) for p in op.get("parameters", []) if p.get("in") == "path"}
        found: dict[str, str] = {}
        for name in sorted(names):
            stem = name.removesuffix("_id")
            tables = (f"{stem}s", f"{stem}es", f"{stem[:-1]}ies")
            candidates = [(t, "id") for t, c in columns if name.endswith("_id") and t in tables and c == "id"]
            candidates += [(t, c) for t, c in columns if c == name]
            for table, column in candidates:
                value = (await conn.execute(text(
                    f'SELECT "{column}"::text FROM "{table}" WHERE "{column}" IS NOT NULL LIMIT 1'))).scalar()
                if value is not None:
                    found[name] = value
                    break
        return found


@asynccontextmanager
async def walking(service: str, test_infra: Any, kafka_bootstrap: str, tmp_path: Any,
                  monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Walk]:
    spec = SERVICES[service]
    topics = [f"{service}.events", *spec.consumes]
    await ensure_topics(kafka_bootstrap, [*topics, *(dlq_topic(t) for t in topics)])
    url = await create_test_database(test_infra.database_url, service)
    extra = {"tlog_signing_key_path": str(tmp_path / "tlog.pem")} if service == "canvas-projector" else {}
    settings = spec.settings(database_url=url, kafka_bootstrap_servers=kafka_bootstrap, **QUIET, **OWN[service],
                             **extra)
    try:
        app = spec.create_app(settings)
        async with app.router.lifespan_context(app):
            await _seed(service, settings, monkeypatch)
            app.state.token_verifier = ISSUER.verifier()
            ids = await _existing_ids(app)
            async with _sign_in_provider(app, service, tmp_path), httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url=f"http://{service}.test") as client:
                yield Walk(service, client, ids)
    finally:
        await drop_database(url)


@asynccontextmanager
async def _sign_in_provider(app: Any, service: str, tmp_path: Any) -> AsyncIterator[None]:
    """A browser app signs people in at the kit's token server (in process here, as `gotong up` runs it beside the
    services), with the app as its public client: the sign-in pages then answer as they would, not 503."""
    spec = SERVICES[service]
    if spec.sign_in is None:
        yield
        return
    from gotong.api.authorize import PublicClient, hash_password, parse_users
    from gotong.api.token_server import create_token_app
    from ops_console.adapters.oidc import OidcProvider

    issuer = "http://auth.test"
    users = parse_users([{"username": "walker", "name": "Walker", "roles": ["operator"],
                          "password_hash": hash_password("walker-pw")}])
    token_app = create_token_app([], tmp_path / "auth-key.pem", issuer, [], users=users, public_clients=[
        PublicClient(client_id=service, redirect_uris=[f"http://{service}.test{spec.sign_in}"])])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=token_app), base_url=issuer) as idp:
        app.state.console_oidc = OidcProvider(issuer, service, None, idp)
        yield


async def _send(client: httpx.AsyncClient, probe: Probe, headers: dict[str, str]) -> httpx.Response:
    return await client.request(probe.method, probe.url, content=probe.body,
                                headers={**probe.headers, **headers, "Idempotency-Key": uuid4().hex})


def _walked_doc(app: Any, service: str) -> tuple[dict[str, Any], set[str]]:
    """The OpenAPI document, and for a browser app its pages as well (left out of its document): the document to
    walk and the templates of those pages."""
    doc = app.openapi()
    if SERVICES[service].sign_in is None:
        return doc, set()
    from fastapi.openapi.utils import get_openapi
    from fastapi.routing import APIRoute

    pages: list[APIRoute] = []

    def collect(routes: Any) -> None:
        for route in routes:
            if isinstance(route, APIRoute) and not route.include_in_schema:
                shown = copy.copy(route)
                shown.include_in_schema = True
                pages.append(shown)
            elif hasattr(route, "original_router"):  # an included router (FastAPI keeps it whole)
                assert not route.include_context.prefix, "pages under a prefix: add it to the walked paths"
                collect(route.original_router.routes)

    collect(app.routes)
    extra = get_openapi(title=app.title, version=app.version, routes=pages)
    schemas = {**doc.get("components", {}).get("schemas", {}), **extra.get("components", {}).get("schemas", {})}
    return {**doc, "paths": {**doc["paths"], **extra["paths"]}, "components": {**doc.get("components", {}),
                                                                               "schemas": schemas}}, set(extra["paths"])


def _public_page(template: str) -> bool:
    """A browser app's pages anyone may open: its start page and the sign-in flow."""
    return template == "/" or template.startswith("/auth/")


def _not_ready(probe: Probe, response: httpx.Response) -> bool:
    """The readiness probe says 503 (with Retry-After) when a dependency is slow to answer, as on a busy machine:
    that is its job, whatever the query string — not a crash caused by the input."""
    return (probe.template == "/readyz" and response.status_code == 503
            and response.headers.get("retry-after") is not None)


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_integer_a_request_carries_has_bounds(service, tmp_path):
    spec = SERVICES[service]
    extra = {"tlog_signing_key_path": str(tmp_path / "tlog.pem")} if service == "canvas-projector" else {}
    assert unbounded_integers(spec.create_app(spec.settings(**extra)).openapi()) == []


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_no_route_answers_5xx_to_bad_input(service, test_infra, kafka_bootstrap, tmp_path, monkeypatch,
                                                 caplog):
    caplog.set_level(logging.ERROR)
    async with walking(service, test_infra, kafka_bootstrap, tmp_path, monkeypatch) as walk:
        documented = walk.client._transport.app.openapi()  # type: ignore[attr-defined]
        doc, pages = _walked_doc(walk.client._transport.app, service)  # type: ignore[attr-defined]
        token = ISSUER.headers("walker", "*")  # every scope; minted here, so a long run cannot outlive it
        crashes: list[str] = []
        unnamed: list[str] = []
        named_nul: set[str] = set()  # where a NUL byte was refused naming its field: path, query, body
        let_in: list[str] = []  # a page that needs a session, answered without one
        for probe in probes(doc, walk.ids):
            if probe.template in pages:  # signed out: a bearer token opens no page
                response = await _send(walk.client, probe, {})
                if response.status_code >= 500:
                    crashes.append(f"{probe} -> {response.status_code}")
                elif not _public_page(probe.template) and response.status_code not in (303, 401, 403) and not (
                        probe.kind in ("nul", "surrogate") and response.status_code == 422):  # refused before
                    let_in.append(f"{probe} -> {response.status_code}")  # anyone asks who is calling
                continue
            anonymous_too = probe.kind in ("nul", "surrogate")  # refused before anyone asks who is calling
            for headers in ((token, {}) if anonymous_too else (token,)):
                response = await _send(walk.client, probe, headers)
                if response.status_code >= 500 and not _not_ready(probe, response):
                    crashes.append(f"{probe} -> {response.status_code}")
                elif probe.must_be_named and not _names(response, probe.field, probe.template):
                    unnamed.append(f"{probe} {'token' if headers else 'anonymous'} -> {response.status_code} "
                                   f"{response.text[:160]}")
                elif probe.kind == "nul":
                    named_nul.add(probe.field.split(".")[0])
        tracebacks = [r.getMessage() for r in caplog.records if r.exc_info]
        assert not crashes, "\n".join(crashes)
        assert not unnamed, "\n".join(unnamed)
        assert not let_in, "\n".join(let_in)
        assert not tracebacks, tracebacks
        operations = [op for item in documented["paths"].values() for op in item.values() if isinstance(op, dict)]
        has_body = any("requestBody" in op for op in operations)
        carried = {p["in"] for op in operations for p in op.get("parameters", []) if p.get("in") in ("path", "query")}
        assert named_nul >= {*carried, *(["body"] if has_body else [])}
        if SERVICES[service].sign_in is None:
            assert carried == {"path", "query"}, "an API takes ids in its paths and filters in its queries"


def _names(response: httpx.Response, field: str, path: str = "") -> bool:
    if path.startswith("/dci/"):  # the DCI API refuses in the DCI YAML's own application/json shapes, field in text
        if response.status_code != 422 or response.headers["content-type"] != "application/json":
            return False
        body = response.json()
        texts = [str(e.get("message", "")) for e in body.get("errors", [])]
        texts += [str(body.get("message", {}).get("error", {}).get("message", "")),
                  str(body.get("header", {}).get("status_reason_message", ""))]
        return any(f"{field}: " in t for t in texts)
    if response.status_code != 422 or not response.headers["content-type"].startswith("application/problem+json"):
        return False
    return any(e.get("field") == field for e in response.json().get("errors", []))
