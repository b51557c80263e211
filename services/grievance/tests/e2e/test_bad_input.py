"""Never a 500 for bad input on any grievance route: each parameter and body field in turn given a NUL byte, a
lone surrogate, an integer past 64 bits, a wrong type, a long string (ids from the demo cases); a NUL byte or a
surrogate is a 422 naming the field, and nothing logs a traceback. (The repository-wide walker in
`tests/test_bad_input_never_500.py` does the same for every service.)"""

from __future__ import annotations

import logging
from uuid import uuid4

import httpx
from sqlalchemy import text

from gotong.api.app import runtime
from gotong.testing.hostile import probes, unbounded_integers
from grievance.bootstrap import create_app
from grievance.demo import load_demo

from .conftest import ISSUER, settings


async def test_no_route_answers_5xx_to_bad_input(database_url, kafka_bootstrap, caplog):
    caplog.set_level(logging.ERROR)
    app = create_app(settings(database_url, kafka_bootstrap, public_per_minute=10**7, rate_limit_per_minute=10**7,
                              rate_limit_burst=10**7), jobs=False)
    assert unbounded_integers(app.openapi()) == []
    async with app.router.lifespan_context(app):
        app.state.token_verifier = ISSUER.verifier()
        await load_demo(runtime(app).settings)
        async with app.state.engine.connect() as conn:
            case_id, tracking = (await conn.execute(text(
                "SELECT id::text, tracking_number FROM cases WHERE kind = 'sanggah' LIMIT 1"))).one()
        token = ISSUER.headers("walker", "grievance:read grievance:write grievance:decide")
        crashes, unnamed = [], []
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://grievance") as client:
            for probe in probes(app.openapi(), {"case_id": case_id, "tracking_number": tracking}):
                for headers in (token, {}):
                    r = await client.request(probe.method, probe.url, content=probe.body,
                                             headers={**probe.headers, **headers, "Idempotency-Key": uuid4().hex})
                    if r.status_code >= 500 and not (probe.template == "/readyz" and r.status_code == 503):
                        crashes.append(f"{probe} -> {r.status_code} {r.text[:200]}")
                    elif probe.must_be_named and probe.kind in ("nul", "surrogate") and not (
                            r.status_code == 422 and any(e.get("field") == probe.field
                                                         for e in r.json().get("errors", []))):
                        unnamed.append(f"{probe} -> {r.status_code} {r.text[:160]}")
    assert not crashes, "\n".join(crashes)
    assert not unnamed, "\n".join(unnamed)
    assert not [r.getMessage() for r in caplog.records if r.exc_info]
