"""Bodies over the size limit get 413 (declared or streamed); pages are bounded and cursors checked."""

from urllib.parse import parse_qs, urlsplit

import pytest

from .conftest import bearer, count_events

SMALL = {"max_request_bytes": 1024}


@pytest.mark.parametrize("settings_overrides", [SMALL])
async def test_declared_body_too_large_is_413(client, engine):
    r = await client.post("/things", headers=bearer(), content=b"{" + b" " * 2000 + b"}")
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"].endswith("/payload-too-large")
    assert await count_events(engine) == 0


@pytest.mark.parametrize("settings_overrides", [SMALL])
async def test_streamed_body_without_length_is_counted_and_413(client, engine):
    async def chunks():
        yield b'{"title": "a", "amount": 1, "pad": "'
        for _ in range(10):
            yield b"x" * 200
        yield b'"}'

    r = await client.post("/things", headers={**bearer(), "content-type": "application/json",
                                              "Idempotency-Key": "big"}, content=chunks())
    assert r.status_code == 413
    assert r.json()["type"].endswith("/payload-too-large")
    assert await count_events(engine) == 0


@pytest.mark.parametrize("settings_overrides", [SMALL])
async def test_body_under_the_limit_passes(client):
    r = await client.post("/things", headers=bearer(), json={"title": "a" * 50, "amount": 1})
    assert r.status_code == 201


async def test_pages_follow_cursors_and_link_headers(client):
    first = await client.get("/things", params={"limit": 50}, headers=bearer())
    body = first.json()
    assert (body["items"], body["limit"]) == (list(range(1, 51)), 50)
    link = first.headers["link"]
    assert link.endswith('>; rel="next"')
    assert parse_qs(urlsplit(link[1:link.index(">")]).query)["cursor"] == [body["next_cursor"]]
    second = await client.get("/things", params={"limit": 50, "cursor": body["next_cursor"]},
                              headers=bearer())
    assert second.json()["items"][0] == 51
    last = await client.get("/things", params={"limit": 50, "cursor": second.json()["next_cursor"]},
                            headers=bearer())
    assert last.json()["items"][-1] == 120
    assert last.json()["next_cursor"] is None
    assert "link" not in last.headers


async def test_limit_is_bounded_by_settings(client):
    assert (await client.get("/things", headers=bearer())).json()["limit"] == 50
    assert (await client.get("/things", params={"limit": 500}, headers=bearer())).status_code == 200
    for bad in (501, 0):
        r = await client.get("/things", params={"limit": bad}, headers=bearer())
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"].endswith("limit")  # `query.limit` below 1, `limit` above the maximum


@pytest.mark.parametrize("cursor", ["!!not-ours", "bm9wZQ", "a" * 600])
async def test_bad_cursor_is_422_naming_it(client, cursor):
    r = await client.get("/things", params={"cursor": cursor}, headers=bearer())
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"].endswith("cursor")
