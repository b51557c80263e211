"""The public submission's hot path (`entrypoints/api/fast.py`) over HTTP on the real database: the key, its
answer, the case's key, its event and its row committed by one statement; one case for concurrent duplicates;
nothing written when the limit refuses; anything unusual answered by the documented route."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import uuid4

import httpx
import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import OFFICER2, problem, sanggah

Client = httpx.AsyncClient
SECRETS = ("Sutrisno", "Wibowo", "3273010101800001", "Rina", "Kartika", "3273014202900002", "081234567890")


async def rows(engine: AsyncEngine, sql: str, **params: Any) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(text(sql), params)).all())


async def test_a_keyed_submission_commits_key_answer_case_and_event_as_one(client: Client, engine: AsyncEngine) -> None:
    key = str(uuid4())
    r = await client.post("/public/cases", json=sanggah(anonymous=False), headers={"Idempotency-Key": key})
    assert r.status_code == 201, r.text
    fast = client.app.state.grievance_fast_submit  # type: ignore[attr-defined]
    assert fast.pool is not None, "answered by the hot path"
    tracking = r.json()["tracking_number"]
    (stored,) = await rows(engine, "SELECT state, response_status, response_body, locked_until FROM "
                                   "idempotency_keys WHERE principal = 'public' AND key = :k", k=key)
    assert (stored.state, stored.response_status, stored.locked_until) == ("done", 201, None)
    assert orjson.loads(stored.response_body) == r.json()
    (case,) = await rows(engine, "SELECT id, status, kind, anonymous, version FROM cases "
                                 "WHERE tracking_number = :t", t=tracking)
    assert (case.status, case.kind, case.anonymous, case.version) == ("received", "sanggah", False, 1)
    (event,) = await rows(engine, "SELECT event_type, version, actor, idempotency_key, correlation_id, data::text "
                                  "AS data FROM events WHERE stream_id = :id", id=case.id)
    assert (event.event_type, event.version, event.actor, event.idempotency_key) == (
        "CaseReceived", 1, "public", key)
    assert event.correlation_id is not None
    for secret in SECRETS:
        assert secret not in event.data, "the event holds ciphertext only"
    assert len(await rows(engine, "SELECT 1 FROM case_keys WHERE case_id = :id", id=case.id)) == 1
    sealed = await client.get(f"/v1/cases/{case.id}/personal", headers=OFFICER2)
    assert sealed.status_code == 200, sealed.text
    assert sealed.json()["details"]["names"] == ["Sutrisno Wibowo"], "sealed under the key stored with the case"
    assert sealed.json()["reporter"]["name"] == "Rina Kartika"
    metrics = (await client.get("/metrics")).text
    assert 'gotong_http_requests_total{method="POST",route="/public/cases",status="201"}' in metrics
    shown = await client.get(f"/public/cases/{tracking}")
    assert shown.status_code == 200
    assert shown.json()["status"] == "received"


async def test_concurrent_duplicates_make_one_case_and_all_get_its_answer(client: Client, engine: AsyncEngine) -> None:
    key = {"Idempotency-Key": str(uuid4())}
    answers = await asyncio.gather(*(client.post("/public/cases", json=sanggah(), headers=key) for _ in range(6)))
    done = [a for a in answers if a.status_code == 201]
    assert done, [a.status_code for a in answers]
    assert all(a.status_code in (201, 409) for a in answers), [a.status_code for a in answers]  # 409: in flight
    assert {a.json()["tracking_number"] for a in done} == {done[0].json()["tracking_number"]}
    assert len(await rows(engine, "SELECT 1 FROM cases")) == 1
    assert len(await rows(engine, "SELECT 1 FROM events")) == 1
    again = await client.post("/public/cases", json=sanggah(), headers=key)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == done[0].json()


async def test_a_refused_limit_writes_nothing(client: Client, engine: AsyncEngine) -> None:
    """60 a minute, 10 at once (the e2e settings): the 11th and later are 429 and leave no key and no case."""
    answers = [await client.post("/public/cases", json=sanggah(), headers={"Idempotency-Key": str(uuid4())})
               for _ in range(14)]
    codes = [a.status_code for a in answers]
    assert codes[:10] == [201] * 10, codes
    assert 429 in codes[10:], codes
    allowed = codes.count(201)
    problem(next(a for a in answers if a.status_code == 429), 429)
    assert len(await rows(engine, "SELECT 1 FROM cases")) == allowed
    assert len(await rows(engine, "SELECT 1 FROM idempotency_keys")) == allowed


async def test_a_key_left_by_a_crashed_holder_goes_the_documented_way(client: Client, engine: AsyncEngine) -> None:
    """A reservation whose holder died (no one holds its lock): the hot path writes nothing for it and the
    documented route takes the key over at once."""
    key = str(uuid4())
    async with engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO idempotency_keys (principal, key, method, path, request_hash, state, locked_until) "
            "VALUES ('public', :k, 'POST', '/public/cases', :h, 'in_flight', now() + interval '60 seconds')"),
            {"k": key, "h": b"not this request"})
    r = await client.post("/public/cases", json=sanggah(), headers={"Idempotency-Key": key})
    problem(r, 422, "Idempotency-Key")  # the stored fingerprint is another request's
    assert await rows(engine, "SELECT 1 FROM cases") == []


async def test_bad_input_with_a_key_is_the_routes_problem_naming_the_field(client: Client, engine: AsyncEngine) -> None:
    key = {"Idempotency-Key": str(uuid4())}
    p = problem(await client.post("/public/cases", json=sanggah(region_code="32.73.01.9999"), headers=key), 422,
                "region_code")
    assert "32.73.01.9999" not in str(p)
    problem(await client.post("/public/cases", json=sanggah(kind="usul", category="registration", anonymous=False),
                              headers={"Idempotency-Key": str(uuid4())}), 403, "kind")
    assert await rows(engine, "SELECT 1 FROM cases") == []
