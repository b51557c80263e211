"""From the registry's citizens' page to the transparency portal, in Chromium (Playwright), at 360, 390 and 1280 px,
in Bahasa Indonesia and English: `/cek-status` found, not found and name mismatch (the last two the same page);
no page wider than the screen; axe-core finds nothing serious or critical; the found page's "verify" link opens
`/verifikasi`, which fetches the payment's receipt and says in words what was proved; the downloaded receipt,
tampered with, fails with the reason in words.

Both services are served by uvicorn on free ports over real PostgreSQL (a database each); the household is
registered through the registry's API, its payment reaches the registry through the disbursement-event
consumer's handler and the portal's transparency log through its staging, sealed under a signed checkpoint."""

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast
from uuid import uuid4

import httpx
import pytest
from gotong_contracts.disbursement import PaymentRecorded
from playwright.async_api import Page, async_playwright

from canvas_projector.adapters.transparency_log import TransparencyLogTable
from canvas_projector.application import transparency
from canvas_projector.bootstrap import create_app as create_portal
from canvas_projector.config import Settings as PortalSettings
from canvas_projector.entrypoints.api.portal import moment
from canvas_projector.entrypoints.state import projector_state
from gotong.api.app import runtime
from gotong.db import drop_database
from gotong.eventstore.model import Position
from gotong.infra.embedded import free_port
from gotong.messaging.consumer import Delivered
from gotong.messaging.topics import dlq_topic, ensure_topics, events_topic
from gotong.testing.plugin import create_test_database
from gotong.testing.serving import serving
from gotong.testing.tokens import TokenIssuer
from registry.adapters.civil_registry import DukcapilSimulator
from registry.adapters.crypto import KeyRing
from registry.application.commands import Deps
from registry.config import Settings as RegistrySettings
from registry.entrypoints.api.app import create_app as create_registry
from registry.entrypoints.consumers.disbursement import on_disbursement_event
from registry.synthetic import households

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
AXE = ROOT / "services" / "canvas-projector" / "tests" / "browser" / "fixtures" / "axe" / "axe.min.js"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORTS = {"360": (360, 740), "390": (390, 844), "1280": (1280, 800)}
ISSUER = TokenIssuer()
OPS = ISSUER.headers("ops-1", "registry:read registry:register", client_id="ops-1")
REGION = "32.73.01.1001"  # Sukarasa, Sukasari, Kota Bandung, Jawa Barat
AMOUNT = 1_250_000
PROGRAM = ("p-pkh", "PKH", "Program Keluarga Harapan")
WORDS = {
    "id": {"found": "Terdaftar di DTSEN", "not_found": "Data tidak ditemukan", "verify": "Periksa keaslian",
           "download": "Unduh bukti", "ok": "Terverifikasi", "amount": "Rp\u00a01.250.000",
           "period": "triwulan 3 tahun 2026", "status": "sudah dibayar",
           "fail": "TIDAK terverifikasi: Catatan pembayaran ini tidak ada di log"},
    "en": {"found": "Registered in DTSEN", "not_found": "Not found", "verify": "Verify it",
           "download": "Download receipt", "ok": "Verified", "amount": "Rp\u00a01,250,000", "period": "Q3 2026",
           "status": "paid", "fail": "NOT verified: This payment record is not in the log"},
}


@dataclass
class Served:
    registry: str
    portal: str
    nik: str
    name: str
    payment_id: str
    signed_at: Any


@pytest.fixture
async def served(test_infra: Any, kafka_bootstrap: str, tmp_path: Path) -> AsyncIterator[Served]:
    topics = [events_topic("registry"), events_topic("disbursement")]
    await ensure_topics(kafka_bootstrap, [*topics, *(dlq_topic(t) for t in topics)])
    registry_db = await create_test_database(test_infra.database_url, "registry")
    portal_db = await create_test_database(test_infra.database_url, "canvas-projector")
    registry_port, portal_port = free_port(), free_port()
    portal_url, registry_url = f"http://127.0.0.1:{portal_port}", f"http://127.0.0.1:{registry_port}"
    registry_settings = RegistrySettings(
        database_url=registry_db, kafka_bootstrap_servers=kafka_bootstrap, relay_enabled=False,
        consume_disbursement=False, status_check_per_minute=600, canvas_projector_url=portal_url)
    registry = create_registry(registry_settings, deps=Deps(KeyRing.from_text(registry_settings.master_secret),
                                                            DukcapilSimulator(seed="status-to-receipt")))
    portal = create_portal(PortalSettings(
        database_url=portal_db, kafka_bootstrap_servers=kafka_bootstrap, auth_required=False, relay_enabled=False,
        tlog_signing_key_path=str(tmp_path / "tlog.pem"), registry_url=registry_url), consumers=False)
    try:
        async with (registry.router.lifespan_context(registry), portal.router.lifespan_context(portal),
                    serving(registry, registry_port), serving(portal, portal_port)):
            registry.state.token_verifier = ISSUER.verifier()
            row = next(households(1, seed=77))
            async with httpx.AsyncClient(base_url=registry_url) as client:
                answer = await client.post("/v1/households", headers={**OPS, "Idempotency-Key": uuid4().hex},
                                           json=row)
                assert answer.status_code == 201, answer.text
            household_ref = answer.json()["household_ref"]
            payment = PaymentRecorded(
                payment_id=str(uuid4()), household_ref=household_ref, program_id=PROGRAM[0], program_code=PROGRAM[1],
                cycle_id="c-2026-q3", period="2026-Q3", amount=AMOUNT, region_code=REGION, province_code="32",
                regency_code="32.73", funding_source="apbn", status="paid", occurred_at="2026-09-01T00:00:00Z")
            delivered = SimpleNamespace(event=SimpleNamespace(event_type="PaymentRecorded", schema_version=1,
                                                              data=payment.model_dump(mode="json")))
            async with runtime(registry).engine.begin() as conn:  # the registry's replica of the payment
                await on_disbursement_event(conn, cast(Delivered, delivered))
            async with runtime(portal).database.transaction() as sql:  # the portal's log, sealed and signed
                await sql.execute("INSERT INTO proj_programs VALUES ($1, $2, $3, 'APBN', '', now())", *PROGRAM)
                log = TransparencyLogTable(sql)
                await transparency.stage_payments(log, [(Position(1, 1), payment)])
                await transparency.seal(log, Position(1, 10))
                await transparency.sign_checkpoint(log, projector_state(portal).tlog)
                signed_at = (await log.checkpoints(1))[0][3]
            head = row["members"][0]
            yield Served(registry_url, portal_url, head["nik"], head["name"], payment.payment_id, signed_at)
    finally:
        await drop_database(registry_db)
        await drop_database(portal_db)


async def serve_axe(page: Page, *origins: str) -> None:
    """axe-core from each page's own origin, so the pages' policy ('self' scripts only) stays in force."""
    for origin in origins:
        await page.route(f"{origin}/__axe.min.js", lambda route: route.fulfill(
            path=str(AXE), content_type="text/javascript", headers={"X-Content-Type-Options": "nosniff"}))


async def fits_and_is_accessible(page: Page, where: str) -> list[str]:
    """What is wrong with the page as shown: wider than the screen, or axe-core's serious and critical findings."""
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
    return problems


async def ask(page: Page, base: str, lang: str, nik: str, name: str) -> str:
    await page.goto(f"{base}/cek-status?lang={lang}")
    await page.fill("#nik", nik)
    await page.fill("#name-nik", name)
    async with page.expect_navigation():
        await page.click("fieldset:has(#nik) button[type=submit]")
    return await page.inner_text("main")


async def test_a_receipt_from_the_status_page_verifies_and_a_tampered_one_says_why_not(served: Served) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for device, (width, height) in VIEWPORTS.items():
            context = await browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
            page = await context.new_page()
            await serve_axe(page, served.registry, served.portal)
            for lang, w in WORDS.items():
                at = f"{lang} at {width}px"

                await page.goto(f"{served.registry}/cek-status?lang={lang}")
                problems += await fits_and_is_accessible(page, f"/cek-status form {at}")
                await page.screenshot(path=str(ARTIFACTS / f"status-form-{lang}-{device}.png"), full_page=True)

                found = await ask(page, served.registry, lang, served.nik, served.name)
                assert w["found"] in found, at
                assert w["amount"].replace("\u00a0", " ") in found.replace("\u00a0", " "), at
                problems += await fits_and_is_accessible(page, f"/cek-status found {at}")
                await page.screenshot(path=str(ARTIFACTS / f"status-found-{lang}-{device}.png"), full_page=True)
                download = page.locator(f"a:has-text('{w['download']}')")
                receipt_url = await download.get_attribute("href")
                assert receipt_url == (f"{served.portal}/transparency/receipts/{served.payment_id}?status=paid")

                async with page.expect_navigation():
                    await page.click(f"a:has-text('{w['verify']}')")
                assert page.url == (f"{served.portal}/verifikasi?payment={served.payment_id}&status=paid"
                                    f"&lang={lang}")
                result = page.locator("#result.ok")
                await result.wait_for(timeout=15_000)
                proved = await result.inner_text()
                for said in (w["ok"], "Program Keluarga Harapan (PKH)", w["amount"], w["period"], w["status"],
                             "Sukarasa, Sukasari, Kota Bandung, Jawa Barat", moment(served.signed_at, lang)):
                    assert said in proved, f"{said!r} not in {proved!r} ({at})"
                assert await page.evaluate("document.activeElement.id") == "result", "the answer is where focus is"
                problems += await fits_and_is_accessible(page, f"/verifikasi?payment= {at}")
                await page.screenshot(path=str(ARTIFACTS / f"receipt-verified-{lang}-{device}.png"), full_page=True)

                downloaded = await page.request.get(receipt_url)
                assert downloaded.ok, at
                genuine = await downloaded.json()
                assert genuine["record"]["payment_id"] == served.payment_id
                tampered = {**genuine, "record": {**genuine["record"], "amount": AMOUNT * 10}}
                await page.goto(f"{served.portal}/verifikasi?lang={lang}")
                await page.fill("#receipt", json.dumps(tampered))
                await page.click("#verify-form button[type=submit]")
                failed = page.locator("#result.fail")
                await failed.wait_for(timeout=15_000)
                reason = await failed.inner_text()
                assert reason.startswith(w["fail"]), f"{reason!r} ({at})"
                assert "inclusion" not in reason
                problems += await fits_and_is_accessible(page, f"/verifikasi tampered {at}")
                await page.screenshot(path=str(ARTIFACTS / f"receipt-tampered-{lang}-{device}.png"), full_page=True)

                unknown = await ask(page, served.registry, lang, "3273011705900001", served.name)
                assert w["not_found"] in unknown, at
                assert w["found"] not in unknown, at
                problems += await fits_and_is_accessible(page, f"/cek-status not found {at}")
                await page.screenshot(path=str(ARTIFACTS / f"status-not-found-{lang}-{device}.png"), full_page=True)
                mismatch = await ask(page, served.registry, lang, served.nik, "Nama Yang Lain Sekali")
                assert mismatch == unknown, f"a wrong name reads as not found ({at})"
                problems += await fits_and_is_accessible(page, f"/cek-status mismatch {at}")
                await page.screenshot(path=str(ARTIFACTS / f"status-mismatch-{lang}-{device}.png"), full_page=True)
            await context.close()
        await browser.close()
    assert problems == [], "\n".join(problems)
