"""Idempotency-Key as in the IETF draft: replay, 422 on another payload, 409 in flight, survival of crashes."""

import asyncio

from sqlalchemy import text

from gotong.api import idempotency

from .conftest import bearer, calls


async def count_events(engine) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(text("SELECT count(*) FROM events"))).scalar_one()


async def test_repeat_with_same_key_returns_first_answer_and_appends_nothing(client, engine):
    headers = {**bearer(), "Idempotency-Key": "k-1"}
    first = await client.post("/things", headers=headers, json={"title": "sumur", "amount": 5})
    again = await client.post("/things", headers=headers, json={"title": "sumur", "amount": 5})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await count_events(engine) == 1


async def test_same_key_with_other_payload_is_422(client, engine):
    headers = {**bearer(), "Idempotency-Key": "k-2"}
    await client.post("/things", headers=headers, json={"title": "a", "amount": 1})
    r = await client.post("/things", headers=headers, json={"title": "b", "amount": 1})
    assert r.status_code == 422
    assert r.json()["type"].endswith("/idempotency-key-reused")
    assert await count_events(engine) == 1


async def test_keys_are_scoped_per_client(client, engine):
    body = {"title": "a", "amount": 1}
    await client.post("/things", headers={**bearer(sub="ops-1"), "Idempotency-Key": "k-3"}, json=body)
    r = await client.post("/things", headers={**bearer(sub="ops-2"), "Idempotency-Key": "k-3"}, json=body)
    assert r.status_code == 201
    assert "idempotent-replayed" not in r.headers
    assert await count_events(engine) == 2


async def test_retry_while_first_is_in_flight_is_409(client, engine, monkeypatch):
    gate = asyncio.Event()
    original = idempotency.CommandContext._complete

    async def slow_complete(self, conn, response):
        await gate.wait()
        await original(self, conn, response)

    monkeypatch.setattr(idempotency.CommandContext, "_complete", slow_complete)
    headers = {**bearer(), "Idempotency-Key": "k-4"}
    first = asyncio.create_task(client.post("/things", headers=headers, json={"title": "a", "amount": 1}))
    await asyncio.sleep(0.3)
    second = await client.post("/things", headers=headers, json={"title": "a", "amount": 1})
    gate.set()
    assert second.status_code == 409
    assert second.headers["retry-after"] == "1"
    assert (await first).status_code == 201
    assert await count_events(engine) == 1


async def test_crash_after_commit_before_reply_replays_on_retry(app, client, engine, monkeypatch):
    headers = {**bearer(), "Idempotency-Key": "k-5"}
    original = idempotency.CommandContext.execute

    async def lose_reply(self, fn, **kw):
        await original(self, fn, **kw)  # committed...
        raise ConnectionResetError("...but the reply never left")

    monkeypatch.setattr(idempotency.CommandContext, "execute", lose_reply)
    try:
        await client.post("/things", headers=headers, json={"title": "a", "amount": 1})
    except ConnectionResetError:
        pass
    monkeypatch.setattr(idempotency.CommandContext, "execute", original)
    before = calls["n"]
    r = await client.post("/things", headers=headers, json={"title": "a", "amount": 1})
    assert r.status_code == 201
    assert r.headers["idempotent-replayed"] == "true"
    assert calls["n"] == before, "the command did not run again"
    assert await count_events(engine) == 1


async def test_abandoned_reservation_is_taken_over_after_its_lease(client, engine):
    async with engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO idempotency_keys (principal, key, method, path, request_hash, state, locked_until) "
            "VALUES ('ops-1', 'k-6', 'POST', '/things', :h, 'in_flight', now() - interval '1 second')"),
            {"h": __import__("hashlib").sha256(b"POST\n/things\n" + b'{"title":"a","amount":1}').digest()})
    r = await client.post("/things", headers={**bearer(), "Idempotency-Key": "k-6", "content-type": "application/json"},
                          content=b'{"title":"a","amount":1}')
    assert r.status_code == 201
    assert await count_events(engine) == 1


async def test_refusal_is_remembered_for_the_key(client, engine):
    headers = {**bearer(), "Idempotency-Key": "k-7"}
    body = {"title": "a", "amount": 5_000_000}
    first = await client.post("/things", headers=headers, json=body)
    before = calls["n"]
    again = await client.post("/things", headers=headers, json=body)
    assert first.status_code == again.status_code == 422
    assert again.json()["errors"] == [{"field": "amount", "detail": "amount is over the limit of Rp1.000.000"}]
    assert again.headers["idempotent-replayed"] == "true"
    assert calls["n"] == before


async def test_conflict_is_not_remembered_so_a_retry_runs_again(client, engine):
    headers = {**bearer(), "Idempotency-Key": "k-8"}
    body = {"title": "a", "amount": 1, "refuse": True}
    assert (await client.post("/things", headers=headers, json=body)).status_code == 409
    before = calls["n"]
    again = await client.post("/things", headers=headers, json=body)
    assert again.status_code == 409
    assert "idempotent-replayed" not in again.headers
    assert calls["n"] == before + 1


async def test_overlong_key_is_400_naming_the_header(client):
    r = await client.post("/things", headers={**bearer(), "Idempotency-Key": "x" * 300},
                          json={"title": "a", "amount": 1})
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "Idempotency-Key"
