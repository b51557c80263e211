"""The console in Chromium at a phone's width (390 px) and a desktop's (1280 px), with its real headers: an
officer signs in through the token server's page, sees the dashboard in Bahasa Indonesia and in English, the
figures change without a reload when facts arrive (Server-Sent Events), no page is wider than the screen, and
axe-core finds no serious or critical problem. Screenshots go to test-artifacts/."""

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest
import uvicorn
from gotong_contracts import disbursement, registry
from playwright.async_api import Page, async_playwright

from gotong.db import create_engine
from gotong.eventstore import AppendRequest, EventData
from gotong.eventstore.postgres import PostgresEventStore
from gotong.infra.embedded import free_port
from gotong.messaging.relay import OutboxRelay
from gotong.messaging.topics import dlq_topic, ensure_topics
from gotong.testing.plugin import create_test_database
from ops_console.bootstrap import create_app
from ops_console.config import Settings
from ops_console.entrypoints.consumers import TOPICS

ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"
AXE = Path(__file__).resolve().parents[1] / "fixtures" / "axe" / "axe.min.js"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORTS = {"phone-390": (390, 844), "desktop-1280": (1280, 800)}
PAGES = ["/dashboard", "/allocations", "/register", "/csr/allocations", "/impact-reports", "/milestones"]
MENU = ["/dashboard", "/reviews", "/cycles", "/exceptions", "/csr", "/csr/allocations", "/impact-reports",
        "/milestones"]


async def serve(app, port: int) -> tuple[uvicorn.Server, asyncio.Task]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    return server, task


@pytest.fixture
async def running(database_url, kafka_bootstrap, tmp_path, token_app_for):
    await ensure_topics(kafka_bootstrap, [*TOPICS, *(dlq_topic(t) for t in TOPICS)])
    auth_port, console_port = free_port(), free_port()
    issuer, console = f"http://127.0.0.1:{auth_port}", f"http://127.0.0.1:{console_port}"
    token_app = token_app_for(tmp_path / "key.pem", console + "/auth/callback", issuer)
    settings = Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap, jwt_issuer=issuer,
                        console_public_url=console, relay_enabled=False, dashboard_refresh_s=0.2)
    auth = await serve(token_app, auth_port)
    app = await serve(create_app(settings), console_port)
    yield console
    for server, task in (app, auth):
        server.should_exit = True
        await task


async def publish_closed_cycle(test_infra, bootstrap: str, held: int) -> None:
    fact = disbursement.CycleClosed(program_id="pkh", cycle_id=f"c-{uuid4().hex[:6]}", period="2026-Q4",
                                    paid_households=10, paid_amount=7_500_000, held_households=held,
                                    occurred_at="2026-12-01T05:00:00Z")
    await publish(test_infra, bootstrap, "disbursement", fact)


async def publish_flagged_household(test_infra, bootstrap: str, reason: str) -> None:
    fact = registry.HouseholdChanged(household_ref=f"hh-{uuid4().hex[:8]}", household_version=1, change=reason,
                                     village_code="32.73.01.1001", district_code="32.73.01", regency_code="32.73",
                                     province_code="32", verification="flagged", members=[],
                                     occurred_at=datetime.now(UTC).isoformat())
    await publish(test_infra, bootstrap, "registry", fact)


async def publish(test_infra, bootstrap: str, service: str, fact) -> None:
    """A fact as its service publishes it: its outbox, its relay, its topic."""
    url = await create_test_database(test_infra.database_url)
    engine = create_engine(url, pool_size=2)
    async with PostgresEventStore(engine).transaction() as tx:
        await tx.append_batch([AppendRequest(uuid4(), "fact", 0, [EventData(fact.event_type,
                                                                            fact.model_dump(mode="json"))])])
    relay = OutboxRelay(engine, service=service, bootstrap=bootstrap)
    await relay.drain()
    await relay.close()
    await engine.dispose()


async def tabbed_menu(page: Page) -> list[str]:
    """The menu's links in the order Tab reaches them from the top of the page, each one visible when focused."""
    await page.locator("body").focus()
    reached: list[str] = []
    for _ in range(40):
        await page.keyboard.press("Tab")
        href = await page.evaluate("(e => e.closest('header nav') && e.getAttribute('href'))(document.activeElement)")
        if href:
            assert await page.locator(f'header nav a[href="{href}"]').is_visible(), href
            reached.append(href)
        elif reached:
            break
    return reached


async def serious_violations(page: Page, base: str) -> list[str]:
    await page.add_script_tag(url=f"{base}/__axe.min.js")
    result = await page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in result
            if v["impact"] in ("serious", "critical")]


async def test_an_officer_signs_in_on_a_phone_and_a_desktop_and_the_dashboard_is_live_and_accessible(
        running, test_infra, kafka_bootstrap, passwords):
    base = running
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for n, (device, (width, height)) in enumerate(VIEWPORTS.items()):
            context = await browser.new_context(viewport={"width": width, "height": height})
            page = await context.new_page()
            await page.route(f"{base}/__axe.min.js", lambda route: route.fulfill(
                path=str(AXE), content_type="text/javascript", headers={"X-Content-Type-Options": "nosniff"}))
            blocked: list[str] = []
            page.on("console", lambda m, seen=blocked: seen.append(m.text) if "Content Security Policy" in m.text
                    else None)

            await page.goto(f"{base}/dashboard")
            assert await page.locator("input#username").is_visible(), "sent to the sign-in page"
            await page.screenshot(path=str(ARTIFACTS / f"console-sign-in-{device}.png"), full_page=True)
            user = "ani" if n == 0 else "budi"
            await page.fill("#username", user)
            await page.fill("#password", passwords[user])
            await page.click("button[type=submit]")
            await page.wait_for_url(f"{base}/dashboard")
            assert await page.inner_text("h1") == "Dasbor"
            assert await page.locator("html").get_attribute("lang") == "id"
            assert await page.locator("main#main").count() == 1
            assert await page.locator("nav[aria-label]").count() == 1
            assert await tabbed_menu(page) == MENU, f"every desk reached by Tab at {width}px"

            held = await page.inner_text("[data-counter=held_households]")
            await publish_closed_cycle(test_infra, kafka_bootstrap, 1_500)
            expected = f"{int(held.replace('.', '')) + 1_500:,}".replace(",", ".")
            await page.wait_for_function(  # no reload: the figure changes by itself (Server-Sent Events)
                "text => document.querySelector('[data-counter=held_households]').textContent === text",
                arg=expected, timeout=60_000)
            reason = f"moved_{n}"  # a reason the page has no row for yet: the script adds one
            await publish_flagged_household(test_infra, kafka_bootstrap, reason)
            await page.wait_for_function(
                "key => (document.querySelector(`[data-counter='${key}']`) || {}).textContent === '1'",
                arg=f"review_queue.{reason}.<1d", timeout=60_000)
            await page.screenshot(path=str(ARTIFACTS / f"console-dashboard-id-{device}.png"), full_page=True)

            for lang in ("id", "en"):
                for path in PAGES:
                    where = f"{path}?lang={lang} at {width}px"
                    await page.goto(f"{base}{path}?lang={lang}")
                    assert await page.locator("html").get_attribute("lang") == lang, where
                    scroll, inner = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                    if scroll > inner:
                        problems.append(f"{where}: {scroll} px wide")
                    if await page.locator("script:not([src])").count():
                        problems.append(f"{where}: inline script")
                    problems += [f"{where}: {v}" for v in await serious_violations(page, base)]
            await page.goto(f"{base}/dashboard?lang=en")
            assert await page.inner_text("h1") == "Dashboard"
            await page.screenshot(path=str(ARTIFACTS / f"console-dashboard-en-{device}.png"), full_page=True)
            await page.click("header button[type=submit]")  # sign out (a POST with the CSRF token)
            assert "You are signed out" in await page.inner_text("main")
            problems += [f"at {width}px: {text}" for text in blocked]
            await context.close()
        await browser.close()
    assert problems == []
