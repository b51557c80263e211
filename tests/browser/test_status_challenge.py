"""`/cek-status` over the limit, in Chromium (Playwright): with JavaScript the page's own `pow.js` solves the
proof of work under the page's Content-Security-Policy and sends the form again, and the answer comes (one
429, then the answer, no CSP violation); without JavaScript the page says in words how long to wait. At 360 px
the challenge page fits the screen and axe-core finds nothing serious or critical on it.

The registry is served by uvicorn on a free port over a real PostgreSQL; one request a minute per address, so
the second ask is over the limit however slowly the machine runs."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, async_playwright

from gotong.db import drop_database
from gotong.infra.embedded import free_port
from gotong.messaging.topics import dlq_topic, ensure_topics, events_topic
from gotong.testing.plugin import create_test_database
from gotong.testing.serving import serving
from registry.adapters.civil_registry import DukcapilSimulator
from registry.adapters.crypto import KeyRing
from registry.application.commands import Deps
from registry.config import Settings
from registry.entrypoints.api.app import create_app

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "services" / "canvas-projector" / "tests" / "browser" / "fixtures" / "axe" / "axe.min.js"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
NIK, NAME = "3273011705900001", "Siti Aminah"


@pytest.fixture
async def registry(test_infra: Any, kafka_bootstrap: str) -> AsyncIterator[str]:
    topics = [events_topic("registry"), events_topic("disbursement")]
    await ensure_topics(kafka_bootstrap, [*topics, *(dlq_topic(t) for t in topics)])
    database = await create_test_database(test_infra.database_url, "registry")
    port = free_port()
    settings = Settings(database_url=database, kafka_bootstrap_servers=kafka_bootstrap, relay_enabled=False,
                        consume_disbursement=False, status_check_per_minute=1, status_challenge_bits=12)
    app = create_app(settings, deps=Deps(KeyRing.from_text(settings.master_secret), DukcapilSimulator(seed="pow")))
    try:
        async with app.router.lifespan_context(app), serving(app, port):
            yield f"http://127.0.0.1:{port}"
    finally:
        await drop_database(database)


async def ask(page: Page, base: str, lang: str) -> None:
    await page.goto(f"{base}/cek-status?lang={lang}")
    await page.fill("#nik", NIK)
    await page.fill("#name-nik", NAME)
    async with page.expect_navigation():
        await page.click("fieldset:has(#nik) button[type=submit]")


async def test_over_the_limit_the_browser_solves_the_challenge_or_is_told_when_to_retry(registry: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 390, "height": 844})
            statuses: list[int] = []
            console: list[str] = []
            page.on("response", lambda r: statuses.append(r.status) if r.request.method == "POST" else None)
            page.on("console", lambda m: console.append(m.text))
            await ask(page, registry, "en")
            assert await page.inner_text("#result") == "Not found"
            await ask(page, registry, "en")  # over the limit: the challenge page, solved and sent again
            await page.wait_for_selector("#result", timeout=60_000)
            assert await page.inner_text("#result") == "Not found"
            assert statuses == [200, 429, 200], statuses
            assert not [m for m in console if "Content Security Policy" in m], console
            await page.screenshot(path=str(ARTIFACTS / "cek-status-challenge-solved-390.png"), full_page=True)

            quiet = await browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
            page = await quiet.new_page()
            await page.route(f"{registry}/__axe.min.js", lambda route: route.fulfill(
                path=str(AXE), content_type="text/javascript", headers={"X-Content-Type-Options": "nosniff"}))
            await ask(page, registry, "id")
            words = await page.inner_text("main")
            assert "Terlalu banyak permintaan" in words
            assert "JavaScript tidak aktif" in words
            assert "Tunggu sekitar" in words
            await page.screenshot(path=str(ARTIFACTS / "cek-status-challenge-nojs-360.png"), full_page=True)
            scroll, inner = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert scroll <= inner, f"{scroll} px wide in {inner} px"
            await quiet.close()
            # axe needs JavaScript: the same page with it, before pow.js sends the form again
            scanned = await browser.new_context(viewport={"width": 360, "height": 740})
            page = await scanned.new_page()
            await page.route(f"{registry}/cek-status/pow.js", lambda route: route.fulfill(
                body="", content_type="text/javascript"))
            await page.route(f"{registry}/__axe.min.js", lambda route: route.fulfill(
                path=str(AXE), content_type="text/javascript", headers={"X-Content-Type-Options": "nosniff"}))
            await ask(page, registry, "en")
            assert "Too many requests" in await page.inner_text("main")
            await page.add_script_tag(url=f"{registry}/__axe.min.js")
            found = await page.evaluate(
                "async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
            serious = [(v["id"], v["impact"]) for v in found if v["impact"] in ("serious", "critical")]
            assert serious == [], serious
        finally:
            await browser.close()
