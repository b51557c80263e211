"""Bad input gets RFC 9457 problem+json naming the field — never the submitted value, never a bare 500."""

import logging
from uuid import uuid4

import httpx

from gotong.api.auth import StaticKeyVerifier
from gotong.observability.logging import JsonFormatter

from .conftest import ISSUER, KEY, KID, NIK, bearer, count_events, make_app


async def test_invalid_body_names_each_field_and_does_not_echo_values(client):
    r = await client.post("/things", headers=bearer(), json={
        "title": "", "amount": -5, "members": [{"nik": "1234567890123", "age": 3}, {"nik": NIK}]})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["type"] == "https://gotong.id/problems/validation-error"
    assert (body["status"], body["instance"]) == (422, "/things")
    assert body["title"]
    assert body["detail"]
    fields = {e["field"] for e in body["errors"]}
    assert {"body.title", "body.amount", "body.members.0.nik", "body.members.1.age"} <= fields
    assert all(set(e) <= {"field", "detail", "code"} for e in body["errors"]), "no `input` member"
    assert "1234567890123" not in r.text
    assert NIK not in r.text


async def test_personal_data_used_as_a_dict_key_is_not_echoed_in_the_field_path(client):
    r = await client.post("/things", headers=bearer(), json={"title": "x", "amount": 1,
                                                             "members": {NIK: {"age": 1}}})
    assert r.status_code == 422
    assert NIK not in r.text


async def test_malformed_json_is_a_problem_not_a_crash(client):
    r = await client.post("/things", headers={**bearer(), "content-type": "application/json"},
                          content=b'{"title": "' + NIK.encode() + b'", nope')
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"].startswith("body")
    assert NIK not in r.text


async def test_domain_error_renders_with_its_status_code_and_field(client):
    r = await client.post("/things", headers=bearer(), json={"title": "x", "amount": 1, "refuse": True})
    assert r.status_code == 409
    body = r.json()
    assert body["type"] == "https://gotong.id/problems/invalid-state-transition"
    assert body["title"] == "Not allowed in the current state"
    assert body["detail"] == "things cannot be refused twice"
    assert body["errors"] == [{"field": "refuse", "detail": "things cannot be refused twice"}]


async def test_concurrency_error_is_409(client, engine):
    stream = str(uuid4())
    first = await client.post("/things", headers=bearer(), json={"title": "a", "amount": 1, "stream": stream})
    second = await client.post("/things", headers=bearer(), json={"title": "b", "amount": 2,
                                                                  "stream": stream})
    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json()["type"] == "https://gotong.id/problems/concurrency-conflict"
    assert await count_events(engine) == 1


async def test_unknown_route_and_wrong_method_are_problems(client):
    r = await client.get("/nowhere")
    assert (r.status_code, r.headers["content-type"]) == (404, "application/problem+json")
    assert r.json()["instance"] == "/nowhere"
    r = await client.delete("/things", headers=bearer())
    assert r.status_code == 405
    assert r.json()["type"].endswith("/method-not-allowed")
    assert "GET" in r.headers["allow"]


async def test_crash_is_a_generic_500_logged_without_personal_data(client, caplog):
    caplog.set_level(logging.ERROR, logger="gotong.api")
    r = await client.get("/things/boom")
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == "https://gotong.id/problems/internal-error"
    assert NIK not in r.text
    assert "RuntimeError" not in r.text
    assert "Traceback" not in r.text
    records = [rec for rec in caplog.records if rec.getMessage() == "unhandled error"]
    assert len(records) == 1
    line = JsonFormatter("things").format(records[0])
    assert "RuntimeError" in line, "the log keeps the error"
    assert NIK not in line
    assert "Siti Aminah" not in line


async def test_openapi_declares_problem_responses(client):
    spec = (await client.get("/openapi.json")).json()
    responses = spec["paths"]["/things"]["post"]["responses"]
    assert {"401", "403", "409", "422"} <= set(responses)
    assert "application/problem+json" in responses["409"]["content"]


async def test_a_database_outage_answers_503_with_retry_after_not_500(caplog):
    """A request that needs the database while it is away: 503 problem+json with Retry-After, no traceback."""
    from gotong.db import create_engine

    app = make_app()
    app.state.engine = create_engine("postgresql+asyncpg://postgres@127.0.0.1:1/gone", pool_size=1)
    app.state.token_verifier = StaticKeyVerifier({KID: KEY.public_key()}, issuer=ISSUER)
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        answer = await c.post("/things", json={"title": "x", "amount": 1},
                              headers={**bearer(), "Idempotency-Key": "k1"})
        ready = await c.get("/readyz")
    await app.state.engine.dispose()
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "5"
    assert answer.json()["type"].endswith("/unavailable")
    assert "Traceback" not in caplog.text
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"database": "failing"}


async def test_a_bug_is_still_a_500(client, caplog):
    answer = await client.post("/things", json={"title": "x", "amount": 1, "explode": True}, headers=bearer())
    assert answer.status_code == 500
    assert "retry-after" not in answer.headers
