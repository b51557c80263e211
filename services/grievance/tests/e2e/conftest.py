"""The grievance app over HTTP on a real database and broker, with a fixed clock, the jobs driven by hand and
the owning services answered by a recording fake behind the real HTTP adapter."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from gotong.domain.clock import FixedClock
from gotong.messaging.topics import dlq_topic, ensure_topics
from gotong.testing.tokens import TokenIssuer
from grievance.adapters.owners import HttpOwners
from grievance.bootstrap import create_app
from grievance.config import Settings

ISSUER = TokenIssuer()
START = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def auth(sub: str, scopes: str = "grievance:read grievance:write") -> dict[str, str]:
    return ISSUER.headers(sub, scopes)


OFFICER = auth("officer-bandung")
OFFICER2 = auth("officer-cimahi", "grievance:read grievance:write grievance:decide")
SUPERVISOR = auth("supervisor-jabar", "grievance:read grievance:write grievance:decide")


@dataclass
class Owners:
    """The registry, disbursement and token server as the worker's HTTP client sees them."""

    answers: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    calls: list[httpx.Request] = field(default_factory=list)

    def answer(self, path_part: str, *answers: tuple[int, dict[str, Any]]) -> None:
        self.answers[path_part] = list(answers)

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth2/token":
            return httpx.Response(200, json={"access_token": "grievance-token", "expires_in": 300})
        self.calls.append(request)
        for part, queue in self.answers.items():
            if part in request.url.path and queue:
                status, body = queue.pop(0) if len(queue) > 1 else queue[0]
                kind = "application/problem+json" if status >= 400 else "application/json"
                return httpx.Response(status, content=json.dumps(body), headers={"content-type": kind})
        return httpx.Response(200, json={"ok": True})


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def owners() -> Owners:
    return Owners()


def settings(database_url: str, kafka_bootstrap: str, **over: Any) -> Settings:
    given: dict[str, Any] = {
        "relay_enabled": False, "public_per_minute": 60, "grievance_token_url": "http://auth.test/oauth2/token",
        "grievance_client_id": "grievance", "grievance_client_secret": "s3cret",
        "registry_url": "http://registry.test", "disbursement_url": "http://disbursement.test", **over}
    return Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap, **given)


@pytest.fixture
async def client(database_url: str, kafka_bootstrap: str, clock: FixedClock,
                 owners: Owners) -> AsyncIterator[httpx.AsyncClient]:
    await ensure_topics(kafka_bootstrap, ["grievance.events", dlq_topic("grievance.events")])
    app = create_app(settings(database_url, kafka_bootstrap), clock=clock, jobs=False)
    async with httpx.AsyncClient(transport=httpx.MockTransport(owners.handle)) as http:
        app.state.grievance_owners = HttpOwners(app.state.settings, http)
        async with app.router.lifespan_context(app):
            app.state.token_verifier = ISSUER.verifier()
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://grievance") as c:
                c.app = app  # type: ignore[attr-defined]
                yield c


def sanggah(**over: Any) -> dict[str, Any]:
    return {"kind": "sanggah", "category": "inclusion", "region_code": "32.73.01.1001",
            "subject_ref": "5b0e3c3e-8f7a-4c55-9d1e-0a4c2b8e9f11", "anonymous": True,
            "details": {"description": "Keluarga Bapak Sutrisno Wibowo punya dua mobil", "names": ["Sutrisno Wibowo"],
                        "niks": ["3273010101800001"]},
            "reporter": {"name": "Rina Kartika", "nik": "3273014202900002", "phone": "081234567890"}, **over}


def problem(r: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    p: dict[str, Any] = r.json()
    if field is not None:
        fields = [e["field"] for e in p.get("errors", [])] + [p.get("field")]
        assert any(f and field in f for f in fields), p
    return p
