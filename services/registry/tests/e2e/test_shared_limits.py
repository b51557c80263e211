"""The public status check's limits hold across replicas (two apps, one database), cannot be reset with a forged
forwarding header, and an address over the limit on `/cek-status` gets a proof-of-work challenge that lets one
request through, once, on any replica; the database holds a MAC of the address, never the address.

The policy here is 1 a minute, 1 at once: the second request within a minute is over the limit however slowly
the machine runs the test."""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import asyncpg
import httpx
import pytest
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from gotong.api.app import runtime
from gotong.api.proof_of_work import ProofOfWork, solve, solves
from gotong.api.shared_limits import derive_key
from gotong.db import asyncpg_dsn
from gotong.messaging.topics import dlq_topic, ensure_topics, events_topic
from registry.adapters.civil_registry import DukcapilSimulator
from registry.adapters.crypto import KeyRing
from registry.application.commands import Deps
from registry.config import Settings
from registry.entrypoints.api.app import create_app

ASK = {"nik": "3273011705900001", "name": "Siti Aminah", "lang": "en"}
API_ASK = {"nik": "3273011705900001", "name": "Siti Aminah"}


def texts(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def settings_for(database_url: str, kafka_bootstrap: str, **over: Any) -> Settings:
    options: dict[str, Any] = {"status_check_per_minute": 1, "status_challenge_bits": 8, **over}
    return Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap, relay_enabled=False,
                    consume_disbursement=False, **options)


@pytest.fixture
async def replicas(database_url, kafka_bootstrap) -> AsyncIterator[list[Any]]:
    """Two registry apps on the same database, as two replicas behind a load balancer."""
    topics = [events_topic("registry"), events_topic("disbursement")]
    await ensure_topics(kafka_bootstrap, [*topics, *(dlq_topic(t) for t in topics)])
    async with AsyncExitStack() as stack:
        apps = []
        for _ in range(2):
            settings = settings_for(database_url, kafka_bootstrap)
            app = create_app(settings, deps=Deps(KeyRing.from_text(settings.master_secret),
                                                 DukcapilSimulator(seed="test")))
            await stack.enter_async_context(app.router.lifespan_context(app))
            apps.append(app)
        yield apps


def client(app: Any, peer: str = "127.0.0.1") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(peer, 40000)),
                             base_url="http://registry")


def challenge_of(page: httpx.Response) -> tuple[str, int]:
    found = re.search(r'data-pow-challenge="([^"]+)" data-pow-bits="(\d+)"', page.text)
    assert found, page.text
    return found.group(1), int(found.group(2))


async def test_a_client_over_the_limit_on_one_replica_is_limited_on_the_other(replicas):
    one, two = replicas
    async with client(one) as first, client(two) as second:
        assert (await first.post("/cek-status", data=ASK)).status_code == 200
        on_two = await second.post("/cek-status", data=ASK)
        assert on_two.status_code == 429, "the budget spent on replica 1 is spent on replica 2"
        assert int(on_two.headers["retry-after"]) >= 1
        assert "Too many requests" in texts(on_two.text)
        # the JSON API too, with its own policy (the page's budget is not the API's)
        assert (await second.post("/public/status-check", json=API_ASK)).status_code == 200
        refused = await first.post("/public/status-check", json=API_ASK)
        assert refused.status_code == 429
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert int(refused.headers["retry-after"]) >= 1
        # another address has its own budget
        async with client(two, peer="192.0.2.44") as other:
            assert (await other.post("/cek-status", data=ASK)).status_code == 200


async def test_a_forged_forwarding_header_buys_no_fresh_budget(replicas):
    # `gotong serve` believes X-Forwarded-For only from FORWARDED_ALLOW_IPS: uvicorn's proxy-headers middleware
    # with those hosts, and none at all when it is unset
    assert Settings().server_options() == {"proxy_headers": False}
    options = Settings(forwarded_allow_ips="10.9.9.9").server_options()
    assert options == {"proxy_headers": True, "forwarded_allow_ips": "10.9.9.9"}
    served = [ProxyHeadersMiddleware(app, trusted_hosts=str(options["forwarded_allow_ips"])) for app in replicas]
    async with client(served[0], peer="203.0.113.7") as direct:
        assert (await direct.post("/cek-status", data=ASK)).status_code == 200
        for i, header in enumerate(("X-Forwarded-For", "X-Real-IP", "Forwarded")):
            forged = await direct.post("/cek-status", data=ASK, headers={header: f"198.51.100.{i}"})
            assert forged.status_code == 429, header
    async with client(served[1], peer="203.0.113.7") as direct:
        forged = await direct.post("/cek-status", data=ASK, headers={"X-Forwarded-For": "198.51.100.9"})
        assert forged.status_code == 429
    # from the trusted proxy, the forwarded address is the client: two clients, two budgets
    async with client(served[1], peer="10.9.9.9") as proxy:
        for address in ("198.51.100.20", "198.51.100.21"):
            r = await proxy.post("/cek-status", data=ASK, headers={"X-Forwarded-For": address})
            assert r.status_code == 200, address
        again = await proxy.post("/cek-status", data=ASK, headers={"X-Forwarded-For": "198.51.100.20"})
        assert again.status_code == 429


async def test_a_solved_challenge_lets_one_request_through_once_on_any_replica(replicas):
    one, two = replicas
    async with client(one) as first, client(two) as second:
        await first.post("/cek-status", data=ASK)
        page = await first.post("/cek-status", data=ASK)
        assert page.status_code == 429
        challenge, bits = challenge_of(page)
        assert bits == 8
        assert '<script src="/cek-status/pow.js" defer></script>' in page.text  # its own origin (CSP 'self')
        assert "<noscript>" in page.text
        assert "JavaScript is off" in page.text
        assert 'name="nik" value="3273011705900001"' in page.text  # so that the browser can send the form again
        assert "Content-Security-Policy" in page.headers
        assert "script-src 'self'" in page.headers[
            "Content-Security-Policy"]
        script = await first.get("/cek-status/pow.js")
        assert script.status_code == 200
        assert script.headers["content-type"].startswith("text/javascript")

        counter = solve(challenge, bits)
        solved = {**ASK, "challenge": challenge, "counter": counter}
        through = await second.post("/cek-status", data=solved)  # solved on replica 1's page, sent to replica 2
        assert through.status_code == 200, texts(through.text)
        assert "Not found" in texts(through.text)
        replayed = await first.post("/cek-status", data=solved)
        assert replayed.status_code == 429
        assert "already been used" in texts(replayed.text)
        assert challenge_of(replayed)[0] != challenge, "a fresh challenge comes with the refusal"


async def test_wrong_expired_forged_and_unsolved_answers_are_refused_in_words(replicas):
    one, _ = replicas
    work = ProofOfWork(runtime(one).settings.master_secret, bits=8)  # type: ignore[attr-defined]
    async with client(one) as c:
        await c.post("/cek-status", data=ASK)
        challenge, bits = challenge_of(await c.post("/cek-status", data=ASK))
        wrong = next(str(n) for n in range(1000) if not solves(challenge, str(n), bits))
        cases = {
            "is wrong": {"challenge": challenge, "counter": wrong},
            "has expired": (lambda old: {"challenge": old, "counter": solve(old, 8)})(
                work.issue("127.0.0.1", now=time.time() - 3600)),
            "not issued here": (lambda theirs: {"challenge": theirs, "counter": solve(theirs, 8)})(
                work.issue("192.0.2.99")),  # solved elsewhere, for another address
            "incomplete": {"challenge": challenge[:-3], "counter": "12"},
        }
        for words, extra in cases.items():
            refused = await c.post("/cek-status", data={**ASK, **extra})
            assert refused.status_code == 429, words
            assert words in texts(refused.text), words
            assert int(refused.headers["retry-after"]) >= 1
        # the form sent again without JavaScript (no counter): the page again, no refusal to explain
        unsolved = await c.post("/cek-status", data={**ASK, "challenge": challenge, "counter": ""})
        assert unsolved.status_code == 429
        assert 'id="pow-refused"' not in unsolved.text
        # in Indonesian as well
        indonesian = await c.post("/cek-status", data={**ASK, "lang": "id", "challenge": challenge, "counter": wrong})
        assert "Jawaban pemeriksaan salah" in texts(indonesian.text)
        assert "Terlalu banyak permintaan" in texts(indonesian.text)
        # the right answer still works after all that
        assert (await c.post("/cek-status", data={**ASK, "challenge": challenge,
                                                  "counter": solve(challenge, bits)})).status_code == 200


async def test_the_database_holds_a_keyed_mac_of_the_address_never_the_address(replicas, database_url):
    one, _ = replicas
    async with client(one, peer="198.51.100.77") as c:
        await c.post("/cek-status", data=ASK)
        await c.post("/public/status-check", json=API_ASK)
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        rows = await conn.fetch("SELECT key, t::text AS row FROM rate_limits t")
        persistence = await conn.fetchval("SELECT relpersistence::text FROM pg_class WHERE relname = 'rate_limits'")
    finally:
        await conn.close()
    assert persistence == "u", "unlogged: no WAL for counters"
    key = derive_key(runtime(one).settings.master_secret, "shared-limits")  # type: ignore[attr-defined]
    expected = {hmac.new(key, f"{policy}\x00198.51.100.77".encode(), hashlib.sha256).digest()
                for policy in ("cek-status", "status-check")}
    assert {bytes(r["key"]) for r in rows} == expected
    for r in rows:
        assert "198.51.100.77" not in r["row"]
        assert b"198.51.100.77" not in bytes(r["key"])
        assert bytes(r["key"]) != hashlib.sha256(b"198.51.100.77").digest()  # not an unkeyed hash either


@pytest.fixture
async def busy_replicas(database_url, kafka_bootstrap) -> AsyncIterator[list[Any]]:
    """Two replicas whose JSON check allows 60 a minute, 10 at once: enough for the replicas to lease blocks."""
    topics = [events_topic("registry"), events_topic("disbursement")]
    await ensure_topics(kafka_bootstrap, [*topics, *(dlq_topic(t) for t in topics)])
    async with AsyncExitStack() as stack:
        apps = []
        for _ in range(2):
            settings = settings_for(database_url, kafka_bootstrap, status_check_per_minute=60)
            app = create_app(settings, deps=Deps(KeyRing.from_text(settings.master_secret),
                                                 DukcapilSimulator(seed="test")))
            await stack.enter_async_context(app.router.lifespan_context(app))
            apps.append(app)
        yield apps


async def test_a_busy_client_leasing_blocks_on_two_replicas_gets_no_more_than_the_policy(busy_replicas):
    one, two = busy_replicas
    started = time.monotonic()
    async with client(one, peer="192.0.2.50") as first, client(two, peer="192.0.2.50") as second:
        codes = [(await c.post("/public/status-check", json=API_ASK)).status_code
                 for _ in range(15) for c in (first, second)]
    refilled = math.floor(time.monotonic() - started) + 1  # one a second
    assert set(codes) == {200, 429}
    assert 10 // 2 <= codes.count(200) <= 10 + refilled, codes
