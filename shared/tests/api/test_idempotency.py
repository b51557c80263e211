"""Idempotency-Key as in the IETF draft: replay, 422 on another payload, 409 in flight, crashes survived."""

import asyncio
import hashlib
from uuid import UUID, uuid4

import asyncpg
import httpx
import orjson
import pytest
from fastapi import Response
from sqlalchemy import text

from gotong.api.idempotency import request_fingerprint, store_answer_sql, stored_headers
from gotong.db import asyncpg_dsn

from .conftest import bearer, count_events, probe

BODY = {"title": "sumur", "amount": 5}


def keyed(key: str, **kw) -> dict[str, str]:
    return {**bearer(**kw), "Idempotency-Key": key}


async def key_rows(engine) -> list[tuple[str, str]]:
    async with engine.connect() as conn:
        return [tuple(r) for r in await conn.execute(text("SELECT key, state FROM idempotency_keys"))]


async def test_repeat_with_same_key_returns_first_answer_and_appends_nothing(client, engine):
    first = await client.post("/things", headers=keyed("k-1"), json=BODY)
    again = await client.post("/things", headers=keyed("k-1"), json=BODY)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["content-type"] == "application/json"
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert probe.calls == 1
    assert await count_events(engine) == 1


async def test_same_key_with_other_payload_is_422(client, engine):
    await client.post("/things", headers=keyed("k-2"), json={"title": "a", "amount": 1})
    r = await client.post("/things", headers=keyed("k-2"), json={"title": "b", "amount": 1})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("/idempotency-key-reused")
    assert await count_events(engine) == 1


async def test_same_key_with_another_query_is_422_and_the_same_query_reordered_replays(client, engine):
    first = await client.post("/things?as_of=2026-12-31&scope=all", headers=keyed("k-q"), json=BODY)
    assert first.status_code == 201, first.text
    reordered = await client.post("/things?scope=all&as_of=2026-12-31", headers=keyed("k-q"), json=BODY)
    assert (reordered.status_code, reordered.headers.get("idempotent-replayed")) == (201, "true")
    for other in ("/things?as_of=2030-12-31&scope=all", "/things"):
        r = await client.post(other, headers=keyed("k-q"), json=BODY)
        assert r.status_code == 422, other
        assert r.json()["type"].endswith("/idempotency-key-reused")
    assert await count_events(engine) == 1


async def test_keys_are_scoped_per_client(client, engine):
    await client.post("/things", headers=keyed("k-3", sub="ops-1"), json=BODY)
    r = await client.post("/things", headers=keyed("k-3", sub="ops-2"), json=BODY)
    assert r.status_code == 201
    assert "idempotent-replayed" not in r.headers
    assert await count_events(engine) == 2


async def test_retry_while_first_is_in_flight_is_409_with_retry_after(client, engine):
    probe.gate = asyncio.Event()
    first = asyncio.create_task(client.post("/things", headers=keyed("k-4"), json=BODY))
    await asyncio.wait_for(probe.entered.wait(), 5)
    second = await client.post("/things", headers=keyed("k-4"), json=BODY)
    probe.gate.set()
    assert second.status_code == 409
    assert second.json()["type"].endswith("/request-in-progress")
    assert int(second.headers["retry-after"]) >= 1
    assert (await first).status_code == 201
    assert await count_events(engine) == 1


def losing_first_reply(app):
    """The command commits, then sending the reply fails (the connection dropped, the pod died)."""
    lost = []

    async def wrapper(scope, receive, send):
        async def failing_send(message):
            if message["type"] == "http.response.start" and not lost:
                lost.append(message["status"])
                raise ConnectionResetError("the reply never left")
            await send(message)

        await app(scope, receive, failing_send if scope["type"] == "http" else send)

    return wrapper, lost


async def test_reply_lost_after_commit_is_replayed_on_retry(app, engine):
    wrapper, lost = losing_first_reply(app)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=wrapper), base_url="http://t") as c:
        with pytest.raises(ConnectionResetError):
            await c.post("/things", headers=keyed("k-5"), json=BODY)
        assert lost == [201]
        assert await count_events(engine) == 1, "the command had committed"
        r = await c.post("/things", headers=keyed("k-5"), json=BODY)
    assert r.status_code == 201
    assert r.headers["idempotent-replayed"] == "true"
    assert UUID(r.json()["id"])
    assert probe.calls == 1, "the command did not run again"
    assert await count_events(engine) == 1


async def test_abandoned_reservation_is_taken_over_after_its_lease(client, engine):
    raw = b'{"title":"a","amount":1}'
    async with engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO idempotency_keys (principal, key, method, path, request_hash, state, locked_until) "
            "VALUES ('ops-1', 'k-6', 'POST', '/things', :h, 'in_flight', now() - interval '1 second')"),
            {"h": hashlib.sha256(b"POST\n/things\n" + raw).digest()})
    headers = {**keyed("k-6"), "content-type": "application/json"}
    r = await client.post("/things", headers=headers, content=raw)
    assert r.status_code == 201
    assert await count_events(engine) == 1
    assert await key_rows(engine) == [("k-6", "done")]


async def test_a_reservation_whose_holder_crashed_is_taken_over_at_once(client, engine):
    """The server died after reserving the key (its lease has a minute to run): the client's retry with the same
    key is not made to wait that minute."""
    raw = b'{"title":"a","amount":1}'
    async with engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO idempotency_keys (principal, key, method, path, request_hash, state, locked_until) "
            "VALUES ('ops-1', 'k-crash', 'POST', '/things', :h, 'in_flight', now() + interval '60 seconds')"),
            {"h": hashlib.sha256(b"POST\n/things\n" + raw).digest()})
    headers = {**keyed("k-crash"), "content-type": "application/json"}
    r = await client.post("/things", headers=headers, content=raw)
    assert r.status_code == 201, r.text
    assert await count_events(engine) == 1
    assert await key_rows(engine) == [("k-crash", "done")]


@pytest.mark.parametrize("settings_overrides", [{"idempotency_lease_s": 0.3}])
async def test_slow_holder_that_lost_its_lease_cannot_commit_even_if_it_finishes_first(client, engine):
    slow_gate = probe.gate = asyncio.Event()
    slow = asyncio.create_task(client.post("/things", headers=keyed("k-9"), json=BODY))
    await asyncio.wait_for(probe.entered.wait(), 5)
    await asyncio.sleep(0.5)  # the lease runs out; a retry takes the key over
    retry_gate = probe.gate = asyncio.Event()
    probe.entered.clear()
    retry = asyncio.create_task(client.post("/things", headers=keyed("k-9"), json=BODY))
    await asyncio.wait_for(probe.entered.wait(), 5)
    slow_gate.set()  # the slow holder finishes first, but holds a lease that is no longer the key's
    late = await slow
    retry_gate.set()
    taken_over = await retry
    assert late.status_code == 409, "the slow attempt was fenced off and rolled back"
    assert taken_over.status_code == 201
    assert await count_events(engine) == 1
    again = await client.post("/things", headers=keyed("k-9"), json=BODY)
    assert again.json() == taken_over.json()


async def test_refusal_is_remembered_for_the_key(client):
    body = {"title": "a", "amount": 5_000_000}
    first = await client.post("/things", headers=keyed("k-7"), json=body)
    again = await client.post("/things", headers=keyed("k-7"), json=body)
    assert first.status_code == again.status_code == 422
    assert again.headers["content-type"] == "application/problem+json"
    detail = "amount is over the limit of Rp1.000.000"
    assert again.json()["errors"] == [{"field": "amount", "detail": detail}]
    assert again.headers["idempotent-replayed"] == "true"
    assert probe.calls == 1


async def test_lost_race_is_not_remembered_so_a_retry_runs_again(client, engine):
    stream = str(uuid4())
    await client.post("/things", headers=bearer(), json={"title": "a", "amount": 1, "stream": stream})
    body = {"title": "b", "amount": 1, "stream": stream}
    assert (await client.post("/things", headers=keyed("k-8"), json=body)).status_code == 409
    again = await client.post("/things", headers=keyed("k-8"), json=body)
    assert again.status_code == 409
    assert "idempotent-replayed" not in again.headers
    assert probe.calls == 3
    assert await key_rows(engine) == []


async def test_unexpected_error_releases_the_key_and_rolls_back(client, engine):
    body = {"title": "a", "amount": 1, "explode": True}
    first = await client.post("/things", headers=keyed("k-10"), json=body)
    assert first.status_code == 500
    assert await key_rows(engine) == []
    assert await count_events(engine) == 0, "the append was rolled back with the failure"
    again = await client.post("/things", headers=keyed("k-10"), json=body)
    assert again.status_code == 500, "not 409: nothing holds the key"
    assert probe.calls == 2


async def test_overlong_empty_or_unprintable_key_is_400_naming_the_header(client, engine):
    for key in ("x" * 256, " ", "k\x01"):
        r = await client.post("/things", headers=keyed(key), json=BODY)
        assert r.status_code == 400
        assert r.json()["errors"][0]["field"] == "Idempotency-Key"
    assert (await client.post("/things", headers=keyed("x" * 255), json=BODY)).status_code == 201
    assert await count_events(engine) == 1


async def test_a_route_can_require_the_key(client):
    missing = await client.post("/things/strict", headers=bearer())
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "Idempotency-Key"
    ok = await client.post("/things/strict", headers=keyed("s-1"))
    replay = await client.post("/things/strict", headers=keyed("s-1"))
    assert ok.status_code == replay.status_code == 202
    assert replay.json() == {"accepted": True}
    assert replay.headers["idempotent-replayed"] == "true"


async def test_events_carry_actor_correlation_key_and_traceparent(client, engine):
    correlation = uuid4()
    await client.post("/things", headers={**keyed("k-11", sub="ops-7"), "X-Correlation-ID": str(correlation)},
                      json=BODY)
    await client.post("/things", headers={**bearer(), "X-Correlation-ID": "not-a-uuid"}, json=BODY)
    async with engine.connect() as conn:
        rows = (await conn.execute(text("SELECT actor, correlation_id, idempotency_key, traceparent "
                                        "FROM events ORDER BY position"))).all()
    assert rows[0][:3] == ("ops-7", correlation, "k-11")
    assert rows[0].traceparent
    assert rows[0].traceparent.startswith("00-")
    assert rows[1].idempotency_key is None
    assert rows[1].correlation_id.version == 7, "a fresh uuid7 instead of the bad header"


async def test_an_answer_stored_in_one_statement_is_replayed_and_guards_its_key(client, engine):
    """A hot path that knows its answer stores key and answer at once (`store_answer_sql`, fingerprinted with
    `request_fingerprint`): the same request is replayed by `CommandContext` without running the command, another
    body is 422, and a second store for the key writes nothing."""
    raw = orjson.dumps(BODY)
    answer = orjson.dumps({"id": str(uuid4()), "stored": "in one statement"})
    args = ("ops-1", "k-one", "POST", "/things", request_fingerprint("POST", "/things", "", raw), 201,
            stored_headers(Response(b"", media_type="application/json")), answer)
    conn = await asyncpg.connect(asyncpg_dsn(str(engine.url.render_as_string(hide_password=False))))
    try:
        assert await conn.fetchval(store_answer_sql(), *args) == 1
        assert await conn.fetchval(store_answer_sql(), *args) is None, "the key exists: nothing stored"
        assert await conn.fetchval(store_answer_sql("false"), "ops-1", "k-two", *args[2:]) is None
    finally:
        await conn.close()
    r = await client.post("/things", headers={**keyed("k-one"), "content-type": "application/json"}, content=raw)
    assert r.status_code == 201
    assert r.headers["idempotent-replayed"] == "true"
    assert r.content == answer
    assert probe.calls == 0, "the command did not run"
    other = await client.post("/things", headers=keyed("k-one"), json={**BODY, "amount": 6})
    assert other.status_code == 422
    assert await key_rows(engine) == [("k-one", "done")]
