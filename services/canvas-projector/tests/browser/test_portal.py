"""The public portal in a real browser (Debian's headless Chromium via Playwright): overview with small cells
suppressed, the English switch, and a receipt verified — and a tampered one refused — inside the page."""

import asyncio
import json
from pathlib import Path

import pytest
import uvicorn
from playwright.async_api import async_playwright

from canvas_projector.adapters.transparency_log import TransparencyLogTable
from canvas_projector.application import transparency
from canvas_projector.bootstrap import create_app
from canvas_projector.config import Settings
from canvas_projector.domain.transparency import TransparencyLog
from canvas_projector.entrypoints.state import projector_state
from gotong.api.app import runtime
from gotong.eventstore.model import Position
from gotong.infra.embedded import free_port
from gotong.messaging.topics import dlq_topic, ensure_topics

ARTIFACTS = Path(__file__).resolve().parents[4] / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


DESIL = {"32": 2, "33": 3, "35": 1}


def record(i: int, province: str) -> dict:
    return {"payment_id": f"pay-{i}", "household_ref": f"hh_{i:05x}", "program_id": "pkh", "program_code": "PKH",
            "cycle_id": "2026-Q4", "period": "2026-Q4", "amount": 750_000, "region_code": f"{province}.01.01.2001",
            "desil": DESIL[province], "status": "paid", "occurred_at": "2026-11-28T08:00:00Z"}


@pytest.fixture
async def portal(database_url, kafka_bootstrap, tmp_path):
    await ensure_topics(kafka_bootstrap, ["disbursement.events", dlq_topic("disbursement.events")])
    settings = Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap, auth_required=False,
                        tlog_signing_key_path=str(tmp_path / "tlog.pem"), relay_enabled=False)
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    tlog: TransparencyLog = projector_state(app).tlog
    async with runtime(app).database.transaction() as sql:
        log = TransparencyLogTable(sql)
        records = ([record(i, "32") for i in range(12)] + [record(50 + i, "33") for i in range(11)]
                   + [record(100 + i, "35") for i in range(3)])
        for n, r in enumerate(records):
            await transparency.stage(log, f"{r['payment_id']}:paid", Position(1, n + 1), r)
        await transparency.seal(log, Position(1, 1000))
        await transparency.sign_checkpoint(log, tlog)
        receipt = await transparency.receipt(log, tlog, "pay-5", "paid")
    yield f"http://127.0.0.1:{port}", receipt
    server.should_exit = True
    await task


async def test_portal_pages_and_in_browser_receipt_verification(portal):
    base, receipt = portal
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 390, "height": 844})  # a phone
        await page.goto(f"{base}/")
        body = await page.inner_text("main")
        assert "Ke mana bantuan sosial mengalir" in body
        assert "Jawa Barat" in body, "12 households in province 32 are shown"
        assert "Rp\u00a09.000.000" in body
        assert "Jawa Timur" not in body, "3 households in province 35 are not published on their own"
        assert "Rp\u00a02.250.000" not in body
        # Pooled with the smallest published province so the small one cannot be derived from the total.
        assert "Lainnya (digabung)" in body
        assert "Jawa Tengah" not in body
        assert "Rp\u00a010.500.000" in body, "the pool: 11 + 3 households"
        assert "hh_" not in await page.content(), "no household reference on public pages"
        await page.screenshot(path=str(ARTIFACTS / "portal-overview-id.png"), full_page=True)
        await page.click("text=English")
        assert "Where social assistance goes" in await page.inner_text("main")

        await page.goto(f"{base}/verifikasi")
        await page.fill("#receipt", json.dumps(receipt))
        await page.click("button[type=submit]")
        result = page.locator("#result.ok")
        await result.wait_for(timeout=10_000)
        assert "Terverifikasi" in await result.inner_text()
        proved = await result.inner_text()
        assert "catatan ke-6 dari 26 di transparansi.gotong.id/disbursements/v1 (indeks 5)" in proved
        assert "Rp\u00a0750.000" in proved, "the amount, as Indonesian writes it"
        assert "triwulan 4 tahun 2026" in proved
        assert "Jawa Barat" in proved, "the region by name"
        await page.screenshot(path=str(ARTIFACTS / "portal-receipt-verified.png"), full_page=True)

        tampered = {**receipt, "record": {**receipt["record"], "amount": 7_500_000}}
        await page.fill("#receipt", json.dumps(tampered))
        await page.click("button[type=submit]")
        failed = page.locator("#result.fail")
        await failed.wait_for(timeout=10_000)
        assert "TIDAK terverifikasi: Catatan pembayaran ini tidak ada di log" in await failed.inner_text()
        assert "inclusion" not in await failed.inner_text()
        await page.screenshot(path=str(ARTIFACTS / "portal-receipt-tampered.png"), full_page=True)

        await page.goto(f"{base}/")
        await page.click("table a:has-text('PKH')")
        program = await page.inner_text("main")
        assert "Desil 2" in program, "12 households in desil 2 are shown"
        assert "Desil 1" not in program, "3 households in desil 1 are pooled, not shown"
        await page.screenshot(path=str(ARTIFACTS / "portal-program.png"), full_page=True)
        await page.goto(f"{base}/wilayah")
        await page.click("table a:has-text('Jawa Barat')")
        regency = await page.inner_text("main")
        assert "Kabupaten Bogor" in regency
        assert "Rp\u00a09.000.000" in regency
        await page.screenshot(path=str(ARTIFACTS / "portal-region.png"), full_page=True)
        await page.keyboard.press("Tab")  # keyboard users land on the skip link first
        assert await page.evaluate("document.activeElement.className") == "skip"

        await page.goto(f"{base}/checkpoint?lang=en")
        assert "transparansi.gotong.id/disbursements/v1" in await page.inner_text("main")
        await page.click("summary:has-text('Menu')")  # a phone: the menu is folded
        await page.click("nav a:has-text('Social enterprises')")
        assert "Self-sufficiency" in await page.inner_text("main")
        await page.click("summary:has-text('Menu')")
        await page.click("nav a:has-text('Partnerships')")
        assert "Triple Helix" in await page.inner_text("h1")
        await page.screenshot(path=str(ARTIFACTS / "portal-partnerships-en.png"), full_page=True)
        await browser.close()
