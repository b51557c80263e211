"""The officers' whole day in Chromium against the real services, each on its own port over real HTTP: the token
server (people sign in on its page), the registry (its relay publishing), disbursement (its relay, its registry
consumer, its dispatcher and the embedded G2P channel simulator that pays and sometimes fails or returns a
payment) and the console (its consumer of every `*.events` topic).

An operator registers a household, sees it flagged and proposes; a supervisor decides. An operator opens and
computes a cycle, is refused approving it herself (the reason on the page), a supervisor approves it, it pays:
an open dashboard shows payments per minute rise and exceptions appear without a reload (Server-Sent Events);
an exception is reissued, the rest resolved and the cycle reconciled. Each screen at 390 px and 1280 px goes to
test-artifacts/, and axe-core finds no serious or critical problem on any screen visited."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from disbursement.bootstrap import create_app as create_disbursement_app
from disbursement.config import Settings as DisbursementSettings
from disbursement.fixtures import copy_households, random_rows
from gotong.adapters.sql import Sql
from gotong.db import create_engine
from gotong.infra.embedded import free_port
from gotong.messaging.topics import dlq_topic, ensure_topics, events_topic
from gotong.testing.plugin import create_test_database
from gotong.testing.wait import eventually
from ops_console.bootstrap import create_app
from ops_console.config import Settings
from ops_console.entrypoints.consumers import TOPICS
from registry.adapters.civil_registry import DukcapilSimulator
from registry.adapters.crypto import KeyRing
from registry.application.commands import Deps
from registry.config import Settings as RegistrySettings
from registry.entrypoints.api.app import create_app as create_registry_app
from registry.synthetic import households

ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"
AXE = Path(__file__).resolve().parents[1] / "fixtures" / "axe" / "axe.min.js"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDTHS = {"phone-390": (390, 844), "desktop-1280": (1280, 800)}
WAIT = 120_000  # ms: a bound for a stuck system on a busy 2-core machine, not a speed goal
PAYEES = 300  # with the simulator's 2 % failures and 1 % returns, a cycle this size leaves exceptions


async def serve(app: Any, port: int) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    return server, task


@pytest.fixture
async def system(database_url, kafka_bootstrap, test_infra, tmp_path, token_app_for) -> AsyncIterator[str]:
    topics = list(dict.fromkeys([*TOPICS, events_topic("registry"), events_topic("disbursement")]))
    await ensure_topics(kafka_bootstrap, [*topics, *(dlq_topic(t) for t in topics)])
    ports = {name: free_port() for name in ("auth", "registry", "disbursement", "console")}
    url = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    issuer = url["auth"]
    trust = {"jwt_issuer": issuer, "jwks_url": f"{issuer}/.well-known/jwks.json"}

    registry_settings = RegistrySettings(database_url=await create_test_database(test_infra.database_url,
                                                                                 "registry"),
                                         kafka_bootstrap_servers=kafka_bootstrap, consume_disbursement=False,
                                         **trust)
    registry = create_registry_app(registry_settings, deps=Deps(KeyRing.from_text(registry_settings.master_secret),
                                                                DukcapilSimulator(seed="test")))
    disbursement_db = await create_test_database(test_infra.database_url, "disbursement")
    engine = create_engine(disbursement_db, pool_size=1)
    async with engine.begin() as conn:  # households the registry already published (the replica's bulk loader)
        await copy_households(await Sql.over(conn), random_rows(PAYEES, seed=17))
    await engine.dispose()
    disbursement = create_disbursement_app(DisbursementSettings(
        database_url=disbursement_db, kafka_bootstrap_servers=kafka_bootstrap, consume_csr_ledger=False,
        embedded_channel=True, channel_dev_key_path=str(tmp_path / "channel-key.pem"), **trust))
    console = create_app(Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap,
                                  console_public_url=url["console"], relay_enabled=False, dashboard_refresh_s=0.3,
                                  registry_url=url["registry"], disbursement_url=url["disbursement"], **trust))
    token_app = token_app_for(tmp_path / "key.pem", url["console"] + "/auth/callback", issuer)
    running = [await serve(app, ports[name]) for name, app in (("auth", token_app), ("registry", registry),
                                                                  ("disbursement", disbursement),
                                                                  ("console", console))]
    yield url["console"]
    for server, task in reversed(running):
        server.should_exit = True
        await task


class Officer:
    """One person at one screen width: a browser context of their own, signed in through the token server."""

    def __init__(self, context: BrowserContext, page: Page, base: str, device: str, problems: list[str]) -> None:
        self.context, self.page, self.base, self.device, self.problems = context, page, base, device, problems

    async def go(self, path: str) -> None:
        await self.page.goto(self.base + path)

    async def check(self, name: str) -> None:
        """The screen as it is now, at both widths: a screenshot, nothing wider than the screen, and axe-core's
        serious or critical findings."""
        page = self.page
        for device, (width, height) in WIDTHS.items():
            await page.set_viewport_size({"width": width, "height": height})
            await page.screenshot(path=str(ARTIFACTS / f"console-flow-{name}-{device}.png"), full_page=True)
            where = f"{name} at {device}"
            scroll, inner = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            if scroll > inner:
                self.problems.append(f"{where}: {scroll} px wide")
            if await page.locator("script:not([src])").count():
                self.problems.append(f"{where}: inline script")
            await page.add_script_tag(url=f"{self.base}/__axe.min.js")
            found = await page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']}))"
                                        ".violations")
            self.problems += [f"{where}: {v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
                              for v in found if v["impact"] in ("serious", "critical")]
        width, height = WIDTHS[self.device]
        await page.set_viewport_size({"width": width, "height": height})


async def sign_in(browser: Browser, base: str, user: str, password: str, device: str,
                  problems: list[str]) -> Officer:
    width, height = WIDTHS[device]
    context = await browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(WAIT)
    page = await context.new_page()
    await page.route(f"{base}/__axe.min.js", lambda route: route.fulfill(
        path=str(AXE), content_type="text/javascript", headers={"X-Content-Type-Options": "nosniff"}))
    await page.goto(f"{base}/dashboard")
    await page.fill("#username", user)
    await page.fill("#password", password)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{base}/dashboard")
    return Officer(context, page, base, device, problems)


def fact(page: Page, name: str) -> Any:
    """The value of a `<dt>name</dt><dd>value</dd>` fact on a detail page."""
    return page.locator("dl.facts > div").filter(has=page.locator("dt", has_text=re.compile(f"^{name}$"))) \
        .locator("dd")


async def submit(page: Page, action: str, button: str = "button[type=submit]") -> None:
    await page.locator(f'form[method=post][action="{action}"]').first.locator(button).first.click()
    await page.wait_for_load_state()


async def reload_until(page: Page, probe: Callable[[], Awaitable[bool]], what: str) -> None:
    """A list the owning service fills in the background (callbacks, relays): reload until it shows the effect."""
    async def look() -> bool:
        await page.reload()
        return await probe()

    await eventually(look, timeout=WAIT / 1000, interval=0.5, what=what)


async def test_an_officers_day_from_registration_to_a_reconciled_cycle(system, passwords):
    base = system
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    expect.set_options(timeout=WAIT)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        ani = await sign_in(browser, base, "ani", passwords["ani"], "phone-390", problems)  # operator
        budi = await sign_in(browser, base, "budi", passwords["budi"], "desktop-1280", problems)  # supervisor
        citra = await sign_in(browser, base, "citra", passwords["citra"], "phone-390", problems)  # supervisor

        # -- the registry desk: register two households on one KK; the second is flagged --------------------
        first, second = households(2, seed=21)
        second["kk"] = first["kk"]
        for row in (first, second):
            await ani.go("/register")
            page = ani.page
            for name in ("kk", "village_code", "address"):
                await page.fill(f"#{name}", row[name])
            for i, member in enumerate(row["members"][:4]):
                await page.fill(f"#nik_{i}", member["nik"])
                await page.fill(f"#name_{i}", member["name"])
                await page.select_option(f"#sex_{i}", member["sex"])
                await page.fill(f"#birth_date_{i}", str(member["birth_date"]))
                await page.select_option(f"#relation_{i}", member["relation"])
            if row is first:
                await ani.check("register")
            await submit(page, "/households")
            await expect(page).to_have_url(re.compile(r"/households/[0-9a-f-]{36}\?done=1"))
        await expect(fact(ani.page, "Status")).to_contain_text("flagged")
        await ani.check("household-flagged")

        await ani.go("/reviews?status=open")
        proposal = ani.page.locator('form[action$="/propose"]')
        await expect(proposal).to_have_count(1)
        await proposal.locator("select[name=decision]").select_option("verified")
        await proposal.locator("input[name=note]").fill("KK ganda sudah diperiksa di lapangan")
        await ani.check("reviews-open")
        await proposal.locator("button[type=submit]").click()
        await expect(ani.page).to_have_url(re.compile(r"/reviews\?done=1"))

        await budi.go("/reviews?status=proposed")
        decision = budi.page.locator('form[action$="/decide"]')
        await expect(decision).to_have_count(1)
        await budi.check("reviews-proposed")
        await decision.locator("button[value=true]").click()
        await expect(budi.page).to_have_url(re.compile(r"/reviews\?done=1"))
        await budi.go("/reviews?status=decided")
        await expect(budi.page.locator("article.item")).to_have_count(1)

        # -- the disbursement desk: the operator opens and computes a cycle ---------------------------------
        await ani.go("/programs")
        await ani.check("programs")
        await ani.go("/cycles")
        await ani.check("cycles")
        await ani.page.fill("#o-program", "BPNT")
        await ani.page.fill("#o-period", "2026-Q4")
        await ani.page.fill("#o-cutoff", "2026-10-01")
        await submit(ani.page, "/cycles")
        await expect(ani.page).to_have_url(re.compile(r"/cycles\?done=1"))
        link = ani.page.locator('a[href^="/cycles/"]').first
        cycle = (await link.get_attribute("href") or "").rsplit("/", 1)[-1]
        assert re.fullmatch(r"[0-9a-f-]{36}", cycle), cycle
        at = f"/cycles/{cycle}"
        await ani.go(at)
        await ani.check("cycle-open")
        await submit(ani.page, f"{at}/compute")
        await expect(fact(ani.page, "status")).to_have_text("computed")
        await submit(ani.page, f"{at}/review")
        await expect(fact(ani.page, "status")).to_have_text("reviewed")

        # she cannot approve her own cycle: refused, the reason on the page, nothing changed
        await ani.go(at)
        await submit(ani.page, f"{at}/approve")
        await expect(ani.page.locator("main")).to_contain_text("approve")
        refusal = await ani.page.inner_text("main")
        assert re.search(r"tidak berwenang|empat mata|four eyes|disbursement:approve", refusal, re.I), refusal
        await ani.check("approve-refused")
        await ani.go(at)
        await expect(fact(ani.page, "status")).to_have_text("reviewed")

        # a supervisor watches the dashboard (opened before the cycle pays, never reloaded) ...
        watch = await sign_in(browser, base, "citra", passwords["citra"], "desktop-1280", problems)
        await watch.go("/dashboard")
        await expect(watch.page.locator("#counters[data-version]")).to_have_count(1)  # the stream is open
        await watch.page.evaluate("window.__notReloaded = true")
        paid_before = await counter(watch.page, "payments_this_minute") + await counter(watch.page,
                                                                                       "payments_last_minute")

        # ... the other supervisor approves, the operator pays
        await budi.go(at)
        await submit(budi.page, f"{at}/approve")
        await expect(fact(budi.page, "status")).to_have_text("approved")
        await budi.check("cycle-approved")
        await ani.go(at)
        await submit(ani.page, f"{at}/pay")
        await expect(fact(ani.page, "status")).to_have_text("paying")

        await watch.page.wait_for_function(
            """before => ['payments_this_minute', 'payments_last_minute'].map(
                 k => +document.querySelector(`[data-counter=${k}]`).textContent.replace(/\\D/g, '')
               ).reduce((a, b) => a + b) > before""", arg=paid_before, timeout=WAIT)
        await watch.page.wait_for_function(
            "() => +document.querySelector('[data-counter=exceptions_total]').textContent.replace(/\\D/g, '') > 0",
            timeout=WAIT)
        assert await watch.page.evaluate("window.__notReloaded === true"), "the dashboard was reloaded"
        await watch.check("dashboard-live")
        await citra.go("/dashboard")
        await citra.check("dashboard")

        # -- exceptions: reissue one payment, resolve the rest, close and reconcile -------------------------
        exceptions = f"/exceptions?status=open&cycle_id={cycle}"
        await ani.go(exceptions)
        await reload_until(ani.page, lambda: has(ani.page, 'form[action$="/reissue"]'), "a payment to reissue")
        await ani.check("exceptions")
        reissued = await ani.page.locator('form[action$="/reissue"]').first.get_attribute("action")
        await submit(ani.page, str(reissued))
        await expect(ani.page).to_have_url(re.compile(r"/exceptions\?done=1"))

        async def all_settled() -> bool:
            """Resolve what is open; done when the cycle is closed and no exception is left."""
            await ani.go(at)
            status = await fact(ani.page, "status").inner_text()
            if status == "paying":
                await submit(ani.page, f"{at}/close")
            await ani.go(exceptions)
            forms = ani.page.locator('form[action$="/resolve"]')
            if await forms.count():
                await forms.first.locator("input[name=resolution]").fill("Dibayar ulang lewat kantor pos")
                await forms.first.locator("button[type=submit]").click()
                await ani.page.wait_for_load_state()
                return False
            await ani.go(at)
            return await fact(ani.page, "status").inner_text() == "closed"

        await eventually(all_settled, timeout=WAIT / 1000 * 2, interval=0.5, what="the cycle closed, nothing open")
        await submit(ani.page, f"{at}/reconcile")
        await ani.go(at)
        await expect(fact(ani.page, "status")).to_have_text("reconciled")
        await ani.check("cycle-reconciled")

        await browser.close()
    assert problems == []


async def counter(page: Page, key: str) -> int:
    return int(re.sub(r"\D", "", await page.inner_text(f"[data-counter={key}]")) or 0)


async def has(page: Page, selector: str) -> bool:
    return await page.locator(selector).count() > 0
