"""The citizens' grievance pages and the portal's accountability page in Chromium (Playwright), at 390 and 1280 px,
in Bahasa Indonesia and English: an anonymous sanggah through the region steps, a payment complaint arriving from
a receipt number, each confirmed with a tracking number and followed on the tracking page; an empty form names
every missing field in the page's language; no page wider than the screen; axe-core finds nothing serious or
critical. Screenshots in `test-artifacts/`.

The grievance service and the portal are served by uvicorn on free ports over real PostgreSQL (a database each);
the portal's figures come from grievance facts fed to its consumer's handler."""

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast
from uuid import uuid4

import pytest
from gotong_contracts import grievance as contract
from playwright.async_api import Page, async_playwright
from sqlalchemy import text

from canvas_projector.bootstrap import create_app as create_portal
from canvas_projector.config import Settings as PortalSettings
from canvas_projector.entrypoints.consumers.grievance import on_event
from gotong.api.app import runtime
from gotong.db import drop_database
from gotong.infra.embedded import free_port
from gotong.messaging.consumer import Delivered
from gotong.messaging.topics import dlq_topic, ensure_topics, events_topic
from gotong.testing.plugin import create_test_database
from gotong.testing.serving import serving
from grievance.bootstrap import create_app as create_grievance
from grievance.config import Settings as GrievanceSettings

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "services" / "canvas-projector" / "tests" / "browser" / "fixtures" / "axe" / "axe.min.js"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORTS = {"390": (390, 844), "1280": (1280, 800)}
WORDS = {
    "id": {"sanggah": "Sanggah: keberatan atas keluarga penerima", "received": "Pengaduan diterima",
           "track": "Lihat status pengaduan", "status": "Diterima, menunggu penelaahan.",
           "missing": "Ceritakan apa yang terjadi (1 sampai 4.000 huruf).", "anonymous": "identitas Anda tidak "
           "disimpan", "median": "hari"},
    "en": {"sanggah": "Objection (sanggah) to a listed family", "received": "Case received",
           "track": "See the case's status", "status": "Received, waiting to be triaged.",
           "missing": "Tell us what happened (1 to 4,000 characters).", "anonymous": "your identity was not stored",
           "median": "days"},
}


@dataclass
class Served:
    grievance: str
    portal: str
    app: Any


async def feed_portal(portal: Any) -> None:
    """Twelve decided sanggah cases and two payment complaints, as `grievance.events` would carry them."""
    start = datetime(2026, 10, 1, 2, tzinfo=UTC)
    for i in range(14):
        received = start + timedelta(hours=i)
        facts: list[Any] = [contract.CaseReceived(
            case_id=f"c{i}", kind="sanggah" if i < 12 else "payment_complaint", category="inclusion",
            channel="public", region_code="32.73.01.1001", due_at=(received + timedelta(days=14)).isoformat(),
            occurred_at=received.isoformat())]
        if i < 12:
            facts.append(contract.CaseDecided(case_id=f"c{i}", outcome="upheld" if i % 3 == 0 else "rejected",
                                              reason_code="verified_in_field", appeal=False,
                                              occurred_at=(received + timedelta(days=i + 1)).isoformat()))
        for fact in facts:
            message = SimpleNamespace(topic=events_topic("grievance"), event=SimpleNamespace(
                event_type=fact.event_type, schema_version=fact.schema_version, data=fact.model_dump(mode="json")))
            async with runtime(portal).database.transaction() as sql:
                await on_event(sql.connection, cast(Delivered, message))


@pytest.fixture
async def served(test_infra: Any, kafka_bootstrap: str, tmp_path: Path) -> AsyncIterator[Served]:
    topic = events_topic("grievance")
    await ensure_topics(kafka_bootstrap, [topic, dlq_topic(topic)])
    grievance_db = await create_test_database(test_infra.database_url, "grievance")
    portal_db = await create_test_database(test_infra.database_url, "canvas-projector")
    grievance_port, portal_port = free_port(), free_port()
    grievance_url, portal_url = f"http://127.0.0.1:{grievance_port}", f"http://127.0.0.1:{portal_port}"
    app = create_grievance(GrievanceSettings(database_url=grievance_db, kafka_bootstrap_servers=kafka_bootstrap,
                                             relay_enabled=False, public_per_minute=600), jobs=False)
    portal = create_portal(PortalSettings(
        database_url=portal_db, kafka_bootstrap_servers=kafka_bootstrap, auth_required=False, relay_enabled=False,
        tlog_signing_key_path=str(tmp_path / "tlog.pem"), grievance_url=grievance_url), consumers=False)
    try:
        async with (app.router.lifespan_context(app), portal.router.lifespan_context(portal),
                    serving(app, grievance_port), serving(portal, portal_port)):
            await feed_portal(portal)
            yield Served(grievance_url, portal_url, app)
    finally:
        await drop_database(grievance_db)
        await drop_database(portal_db)


async def serve_axe(page: Page, *origins: str) -> None:
    """axe-core from each page's own origin, so the pages' policy ('self' scripts only) stays in force."""
    for origin in origins:
        await page.route(f"{origin}/__axe.min.js", lambda route: route.fulfill(
            path=str(AXE), content_type="text/javascript", headers={"X-Content-Type-Options": "nosniff"}))


async def check(page: Page, where: str, shot: str) -> list[str]:
    """Wider than the screen, or axe-core's serious and critical findings; and a screenshot."""
    problems = []
    scroll, inner = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if scroll > inner:
        problems.append(f"{where}: {scroll} px wide in {inner} px")
    origin = re.match(r"https?://[^/]+", page.url)
    assert origin is not None
    await page.add_script_tag(url=f"{origin.group(0)}/__axe.min.js")
    found = await page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    problems += [f"{where}: {v['id']} ({v['impact']}) {[n['target'] for n in v['nodes']][:3]}" for v in found
                 if v["impact"] in ("serious", "critical")]
    await page.screenshot(path=str(ARTIFACTS / f"{shot}.png"), full_page=True)
    return problems


async def submit(page: Page) -> None:
    async with page.expect_navigation():
        await page.click("form[method=post] button[type=submit]")


async def tracking_number(page: Page) -> str:
    number = (await page.inner_text("#tracking-number")).strip()
    assert re.fullmatch(r"GRV-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", number), number
    return number


async def cases(served: Served) -> int:
    async with runtime(served.app).engine.connect() as conn:
        return int((await conn.execute(text("SELECT count(*) FROM cases"))).scalar_one())


async def test_a_citizen_objects_anonymously_and_complains_about_a_payment(served: Served) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for device, (width, height) in VIEWPORTS.items():
            context = await browser.new_context(viewport={"width": width, "height": height})
            page = await context.new_page()
            await serve_axe(page, served.grievance, served.portal)
            for lang, w in WORDS.items():
                at = f"{lang} at {width}px"

                await page.goto(f"{served.grievance}/pengaduan?lang={lang}")
                problems += await check(page, f"/pengaduan {at}", f"grievance-index-{lang}-{device}")
                async with page.expect_navigation():
                    await page.click(f"a:has-text('{w['sanggah']}')")
                for level, code in (("province", "32"), ("regency", "32.73"), ("district", "32.73.01")):
                    await page.select_option(f"#{level}", code)
                    async with page.expect_navigation():
                        await page.click("form[method=get] button[type=submit]")
                await page.select_option("#region_code", "32.73.01.1001")
                await page.check("#cat-inclusion")
                await page.fill("#subject_ref", str(uuid4()))
                await page.fill("#description", "Keluarga ini punya dua mobil dan toko besar.")
                await page.check("#anonymous")
                await page.fill("#reporter_name", "Nama Pelapor")
                problems += await check(page, f"sanggah form {at}", f"grievance-sanggah-form-{lang}-{device}")
                before = await cases(served)
                sent = await page.evaluate(
                    "Object.fromEntries(new FormData(document.querySelector('form[method=post]')))")
                await submit(page)
                assert w["received"] in await page.inner_text("h1"), at
                assert w["anonymous"] in await page.inner_text("main"), at
                number = await tracking_number(page)
                again = await page.request.post(f"{served.grievance}/pengaduan/sanggah", form=sent)
                assert number in await again.text(), f"the same form sent again answers with its case ({at})"
                assert await cases(served) == before + 1, "a double submit is one case"
                problems += await check(page, f"sanggah received {at}", f"grievance-sanggah-received-{lang}-{device}")
                async with page.expect_navigation():
                    await page.click(f"button:has-text(\"{w['track']}\")")
                tracked = await page.inner_text("main")
                assert w["status"] in tracked, at
                assert number in tracked, at
                assert "Nama Pelapor" not in tracked, at
                assert await page.locator("#due").count() == 1, f"the SLA due date is shown ({at})"
                problems += await check(page, f"tracking {at}", f"grievance-tracking-{lang}-{device}")

                payment = str(uuid4())
                form = f"{served.grievance}/pengaduan/pembayaran?lang={lang}&ref={payment}"
                await page.goto(form)
                await submit(page)  # nothing filled in
                errors = await page.inner_text("#errors")
                assert w["missing"] in errors, at
                for field in ("region_code", "category", "description"):
                    assert await page.locator(f"#{field}-error").count() == 1, f"{field} named ({at})"
                assert await page.get_attribute("#subject_ref", "value") == payment, "the receipt number stays"
                problems += await check(page, f"payment errors {at}", f"grievance-payment-errors-{lang}-{device}")
                await page.goto(f"{form}&province=35&regency=35.07")
                await page.check("#cat-not_received")
                await page.fill("#description", "Bantuan bulan lalu belum masuk.")
                await page.fill("#reporter_phone", "081200000001")
                await page.fill("#reporter_name", "Siti")
                await submit(page)
                assert w["received"] in await page.inner_text("h1"), at
                await tracking_number(page)
                problems += await check(page, f"payment received {at}", f"grievance-payment-received-{lang}-{device}")

                await page.goto(f"{served.portal}/pengaduan-publik?lang={lang}")
                assert w["median"] in await page.inner_text("#median"), at
                problems += await check(page, f"/pengaduan-publik {at}", f"grievance-figures-{lang}-{device}")
            await context.close()
        await browser.close()
    assert problems == [], "\n".join(problems)
