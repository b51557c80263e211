"""Public pages are made once per change of the read model and revalidated by ETag: the same bytes while nothing
changed, a 304 for a browser that holds them, and the new figures within the page cache's bounded staleness
(`STALE_S`) after a payment is sealed or a consumer moves on. The portal's static files come from memory with the
headers StaticFiles gives them."""

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx
import pytest
from lxml import html

from canvas_projector.adapters.transparency_log import TransparencyLogTable
from canvas_projector.application import transparency
from canvas_projector.bootstrap import create_app
from canvas_projector.config import Settings
from gotong.api.app import runtime
from gotong.eventstore.model import Position

from .seed_portal import payment, seed


@pytest.fixture
async def app(database_url, kafka_bootstrap, tmp_path):
    settings = Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap, relay_enabled=False,
                        auth_required=False, tlog_signing_key_path=str(tmp_path / "k.pem"))
    app = create_app(settings, consumers=False)  # no consumers: the handlers are fed directly
    async with app.router.lifespan_context(app):
        await seed(app)
        yield app


@pytest.fixture
async def client(app):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://projector") as c:
        yield c


async def eventually(get: Callable[[], Awaitable[httpx.Response]], done: Callable[[httpx.Response], bool],
                     deadline_s: float = 15.0) -> httpx.Response:
    """The first answer of `get()` that is `done` (a page follows the data within `STALE_S`, on a busy machine
    later): polled until the deadline, then the last answer as it was."""
    deadline = time.monotonic() + deadline_s
    while True:
        answer = await get()
        if done(answer) or time.monotonic() > deadline:
            return answer
        await asyncio.sleep(0.05)


def households(page: httpx.Response) -> str:
    cards = {card.xpath("div")[0].text_content(): card.xpath("div")[1].text_content()
             for card in html.fromstring(page.text).xpath("//*[contains(@class, 'card')]")}
    return cards["Rumah tangga penerima"]


async def seal_payments(app, first: int, households: tuple[int, ...]) -> None:
    async with runtime(app).database.transaction() as sql:
        log = TransparencyLogTable(sql)
        for n, hh in enumerate(households):
            r = payment(first + n, hh, "PKH", "32.73", 750_000, "2026-11-28T03:00:00Z")
            await transparency.stage(log, f"{r['payment_id']}:paid", Position(first, n + 1), r)
        await transparency.seal(log, Position(first, 10))


async def test_a_page_is_the_same_answer_until_a_payment_is_sealed_then_shows_it(app, client):
    first = await client.get("/")
    again = await client.get("/")
    assert first.status_code == again.status_code == 200
    assert households(first) == "33"
    assert first.headers["etag"] == again.headers["etag"]
    assert again.content == first.content, "remembered: the same bytes"
    assert "max-age" in first.headers["cache-control"]
    assert first.headers["content-security-policy"], "the kit's headers on a remembered answer too"
    await seal_payments(app, 7000, (900, 901))
    after = await eventually(lambda: client.get("/"), lambda page: households(page) != "33")
    assert households(after) == "35", "two more households once the new payments are sealed"
    assert after.headers["etag"] != first.headers["etag"]
    assert households(await client.get("/")) == "35"


async def test_a_browser_holding_the_page_gets_304_and_the_new_page_once_it_changed(app, client):
    page = await client.get("/kanvas", params={"lang": "en"})
    etag = page.headers["etag"]
    unchanged = await client.get("/kanvas", params={"lang": "en"}, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged.headers["etag"] == etag
    other = await client.get("/kanvas", params={"lang": "id"}, headers={"If-None-Match": etag})
    assert other.status_code == 200, "each language and query is its own answer"
    await seal_payments(app, 8000, (902,))
    changed = await eventually(lambda: client.get("/kanvas", params={"lang": "en"}, headers={"If-None-Match": etag}),
                               lambda page: page.status_code != 304)
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


async def test_a_consumer_moving_on_makes_the_page_again(app, client):
    before = await client.get("/csr")
    async with runtime(app).database.transaction() as sql:
        await sql.execute("INSERT INTO proj_companies (company_id, name, sector, tjsl_mandatory, registered_at) "
                          "VALUES ('co-new', 'PT Baru Sejahtera', 'retail', 'true', now())")
        await sql.execute("INSERT INTO proj_csr_flows (flow_key, kind, company_id, amount, counterpart, occurred_at) "
                          "VALUES ('f-new', 'deposit', 'co-new', 5000000, NULL, now())")
        await sql.execute("INSERT INTO consumer_positions (consumer, topic, partition, kafka_offset) "
                          "VALUES ('canvas-projector.catalog', 'csr-ledger.events', 0, 1)")
    after = await eventually(lambda: client.get("/csr"), lambda page: "PT Baru Sejahtera" in page.text)
    assert "PT Baru Sejahtera" not in before.text
    assert "PT Baru Sejahtera" in after.text


async def test_errors_and_uncached_routes_are_not_remembered(client):
    missing = await client.get("/program/NOPE")
    assert missing.status_code == 404
    assert "etag" not in missing.headers
    bad = await client.get("/", params={"lang": "xx"})
    assert bad.status_code == 422
    assert (await client.get("/", params={"lang": "xx"})).status_code == 422
    proof = await client.get("/transparency/proof/inclusion", params={"index": 0, "size": 1})
    assert "etag" not in proof.headers


async def test_static_files_come_from_memory_with_their_validators(client):
    css = await client.get("/static/style.css")
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")
    assert int(css.headers["content-length"]) == len(css.content) > 0
    assert css.headers["last-modified"]
    assert "max-age" in css.headers["cache-control"]
    assert css.headers["x-content-type-options"] == "nosniff"
    again = await client.get("/static/style.css", headers={"If-None-Match": css.headers["etag"]})
    assert again.status_code == 304
    head = await client.head("/static/verify.js")
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) > 0
    assert (await client.get("/static/nothing-here.css")).status_code == 404
    assert (await client.get("/static/../bootstrap.py")).status_code == 404
