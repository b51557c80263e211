"""Input the database cannot store is a 422 naming the field, never a 500: NUL bytes and lone surrogates in the
path, query or a JSON/form body, integers past 64 bits, NaN and infinities; a value the database still refuses
because of what the client sent is a 422 naming that field too, logged without a traceback; one it refuses for
another reason stays a logged 500."""

import json
import logging
from typing import Annotated, Any

import asyncpg
import httpx
import pytest
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from sqlalchemy import text

from gotong.api.app import create_app
from gotong.api.input import blame
from gotong.settings import KitSettings

from .conftest import NIK

router = APIRouter()
seen: list[Any] = []


class Note(BaseModel):
    title: str
    tags: list[str] = []
    count: int = 0


@router.post("/notes/{slug}")
async def store_note(slug: str, body: Note, request: Request, size: int = 0,
                     word: Annotated[str, Query()] = "") -> dict[str, str]:
    seen.append(body)
    async with request.app.state.engine.begin() as conn:
        await conn.execute(text("INSERT INTO guard_notes (slug, title, size, word) VALUES (:s, :t, :n, :w)"),
                           {"s": slug, "t": body.title, "n": size, "w": word})
    return {"ok": slug}


@router.post("/raw")
async def raw(request: Request) -> dict[str, int]:
    return {"bytes": len(await request.body())}


@router.get("/overflow")
async def overflow(request: Request) -> None:
    async with request.app.state.engine.begin() as conn:  # a bug: no client value involved
        await conn.execute(text("INSERT INTO guard_notes (slug, title, size) VALUES ('s', 't', 2147483647 + 1)"))


@pytest.fixture
async def client(engine):
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE guard_notes (slug text, title text, size integer, word varchar(5))"))
    app = create_app(KitSettings(service_name="notes", auth_required=False, log_json=True), title="notes",
                     routers=[router])
    app.state.engine = engine
    seen.clear()
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


def fields(r: httpx.Response) -> list[str]:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["type"] == "https://gotong.id/problems/validation-error"
    return [e["field"] for e in body["errors"]]


@pytest.mark.parametrize(("url", "payload", "field"), [
    ("/notes/a", {"title": "a\x00b"}, "body.title"),
    ("/notes/a", {"title": "ok", "tags": ["x", "y\ud800"]}, "body.tags.1"),
    ("/notes/a", {"title": "Program\x07\x1b[2J"}, "body.title"),  # control characters in a name
    ("/notes/a", {"title": "Bantuan \u202egnagnaP"}, "body.title"),  # a bidirectional override
    ("/notes/a", {"title": "ok\x85"}, "body.title"),  # C1 control
    ("/notes/a", {"title": "ok", "count": 2**63}, "body.count"),
    ("/notes/a", {"title": "ok", "count": -(2**63) - 1}, "body.count"),
    ("/notes/a%00b", {"title": "ok"}, "path.slug"),
    ("/notes/a?word=x%00", {"title": "ok"}, "query.word"),
    ("/no/such/route%00", {"title": "ok"}, "path"),
])
async def test_unstorable_input_is_422_naming_the_field_before_any_route_runs(client, url, payload, field):
    r = await client.post(url, content=json.dumps(payload).encode(), headers={"content-type": "application/json"})
    assert fields(r) == [field]
    assert seen == []


async def test_every_bad_field_is_named_at_once_and_no_value_is_echoed(client):
    r = await client.post("/notes/a%00?word=%00", json={"title": f"{NIK}\x00", NIK: 1, "count": 2**64})
    assert set(fields(r)) == {"path.slug", "query.word", "body.title", "body.count"}
    assert NIK not in r.text


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity", b"1e400"])
async def test_numbers_json_cannot_carry_are_refused(client, literal):
    r = await client.post("/notes/a", content=b'{"title": "ok", "count": ' + literal + b"}",
                          headers={"content-type": "application/json"})
    assert fields(r) == ["body.count"]


async def test_a_form_body_is_screened_too(client):
    r = await client.post("/raw", content=b"name=a%00b", headers={"content-type": "application/x-www-form-urlencoded"})
    assert fields(r) == ["body.name"]


async def test_other_bodies_reach_the_route_whole_for_it_to_judge_row_by_row(client):
    csv = b"name\nok\nbad\x00row\n"
    r = await client.post("/raw", content=csv, headers={"content-type": "text/csv"})
    assert r.json() == {"bytes": len(csv)}


async def test_text_keeps_tabs_line_breaks_and_every_script(client):
    r = await client.post("/notes/a", json={"title": "Baris satu\r\nbaris\tdua — ꦧꦤ꧀ꦠꦸꦮꦤ꧀ ‏عربي 🙂"})
    assert r.status_code == 200, r.text


async def test_a_clean_body_reaches_the_route_unchanged(client):
    big = "x" * 200_000
    r = await client.post("/notes/a?size=3", json={"title": big, "count": 2**63 - 1})
    assert r.status_code == 200, r.text
    assert seen[0].title == big


async def test_a_value_the_database_refuses_because_of_the_client_is_422_without_a_traceback(client, caplog):
    caplog.set_level(logging.INFO, logger="gotong")
    for url, field in ((f"/notes/a?size={2**31}", "query.size"), ("/notes/a?word=toolong", "query.word")):
        r = await client.post(url, json={"title": "ok"})
        assert fields(r) == [field]
    refused = [rec for rec in caplog.records if rec.getMessage() == "input refused by the database"]
    assert len(refused) == 2
    assert not any(rec.exc_info for rec in caplog.records)


async def test_a_value_the_database_refuses_for_another_reason_is_still_a_logged_500(client, caplog):
    caplog.set_level(logging.ERROR)
    r = await client.get("/overflow")
    assert r.status_code == 500
    assert any(rec.exc_info for rec in caplog.records)


def test_blame_names_only_the_fields_that_explain_the_error():
    leaves = [("query.size", "2147483648"), ("body.title", "a\x00b"), ("body.note", "fine"), ("path.slug", "x")]
    nul = asyncpg.exceptions.CharacterNotInRepertoireError('invalid byte sequence for encoding "UTF8": 0x00')
    assert [e["field"] for e in blame(nul, leaves) or []] == ["body.title"]
    smallint = asyncpg.exceptions.NumericValueOutOfRangeError("smallint out of range")
    assert [e["field"] for e in blame(smallint, leaves) or []] == ["query.size"]
    assert blame(asyncpg.exceptions.NumericValueOutOfRangeError("bigint out of range"), leaves) is None
    wrapped = RuntimeError("while saving")
    wrapped.__cause__ = asyncpg.exceptions.StringDataRightTruncationError(
        "value too long for type character varying(4)")
    assert [e["field"] for e in blame(wrapped, leaves) or []] == ["query.size"]
    assert blame(ValueError("no"), leaves) is None
