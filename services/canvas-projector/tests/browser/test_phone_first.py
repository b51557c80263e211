"""The portal on a phone and a desktop, in both languages (Chromium via Playwright, the real policy headers on):
no page is wider than the screen, axe-core finds no serious or critical problem, numbers are written the way
each language writes them, the menu folds without a script, chart words stay readable, a bad address answers
a page in the visitor's language, and every page says when its data was read."""

import asyncio
import re
from pathlib import Path

import httpx
import pytest
import uvicorn
from playwright.async_api import Page, async_playwright

from canvas_projector.adapters.transparency_log import TransparencyLogTable
from canvas_projector.application import transparency
from canvas_projector.bootstrap import create_app
from canvas_projector.config import Settings
from canvas_projector.entrypoints.state import projector_state
from gotong.api.app import runtime
from gotong.eventstore.model import Position
from gotong.infra.embedded import free_port
from gotong.messaging.topics import dlq_topic, ensure_topics

from .test_portal import ARTIFACTS, CHROMIUM_ARGS

AXE = Path(__file__).parent / "fixtures" / "axe" / "axe.min.js"
VIEWPORTS = {"phone-360": (360, 740), "phone-390": (390, 844), "desktop-1280": (1280, 800)}
PAGES = ["/", "/verifikasi", "/checkpoint", "/wilayah", "/wilayah/35", "/program/PKH", "/csr", "/usaha-sosial",
         "/kemitraan", "/kanvas", "/peta", "/pengaduan-publik", "/halaman-yang-tidak-ada"]
#: 14 provinces with enough households each to be published: more than a chart draws (12).
PROVINCES = {"11": 10, "12": 11, "13": 12, "14": 13, "15": 14, "16": 15, "17": 16, "18": 17, "19": 18, "21": 19,
             "31": 20, "32": 21, "33": 22, "35": 40}
AMOUNT = 1_250_000
LONG_COMPANY = "PT Bank Pembangunan Daerah Jawa Barat dan Banten Tbk (Persero) Kantor Wilayah Tasikmalaya"
SEED = [
    "INSERT INTO proj_programs VALUES ('pkh', 'PKH', 'Program Keluarga Harapan', 'APBN', "
    "'Rumah tangga desil 1\u20134 dengan ibu hamil, anak usia sekolah, lansia atau penyandang disabilitas.', now())",
    f"INSERT INTO proj_companies VALUES ('c1', '{LONG_COMPANY}', 'finance', 'true', now()), "
    "('c2', 'PT Semen Nusantara', 'cement', 'true', now())",
    "INSERT INTO proj_csr_flows VALUES ('p1', 'pledge', 'c1', 12500000000000, NULL, now()), "
    "('d1', 'deposit', 'c1', 9876543210000, NULL, now()), ('s1', 'spending', 'c1', 7654321000000, NULL, now()), "
    "('p2', 'pledge', 'c2', 1500000000, NULL, now()), ('d2', 'deposit', 'c2', 1500000000, NULL, now())",
    "INSERT INTO proj_enterprises (enterprise_id, name, legal_form, province_code, regency_code, groups_served, "
    "groups_employed, status, registered_at) VALUES ('e1', 'Koperasi Produsen Tenun Ikat Perempuan Sumba Timur "
    "Sejahtera Bersama', 'koperasi', '53', '53.02', 'women', 'women', 'active', now())",
    "INSERT INTO proj_enterprise_reports VALUES ('e1', '2026-Q3', 1, '2026-09-30', 2345678901, 3456789012, "
    "100000000, 1234, 987, 5000, now())",
    "INSERT INTO proj_partners VALUES ('g1', 'Pemerintah Provinsi Jawa Timur', 'government', 'province', '35', "
    "'true', now()), ('u1', 'Institut Teknologi Sepuluh Nopember', 'campus', 'university', '35', 'true', now())",
    "INSERT INTO proj_projects VALUES ('x1', 1, 'Pengolahan sampah plastik menjadi bahan bangunan untuk "
    "perumahan rakyat di Kota Surabaya dan Kabupaten Sidoarjo', 'active', '35', 45678901234, 'g1,u1', "
    "'government,campus', 'false', 45678901234, 12345678901, 0, now())",
]


def record(i: int, province: str) -> dict:
    region = "35.78.01.2001" if province == "35" else f"{province}.01.01.2001"  # 35.78: Kota Surabaya
    return {"payment_id": f"pay-{i}", "household_ref": f"hh_{i:05x}", "program_id": "pkh", "program_code": "PKH",
            "cycle_id": "2026-Q4", "period": "2026-Q4", "amount": AMOUNT, "region_code": region, "desil": 1 + i % 4,
            "status": "paid", "occurred_at": "2026-11-28T08:00:00Z"}


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
    async with runtime(app).database.transaction() as sql:
        for statement in SEED:
            await sql.execute(statement)
        log = TransparencyLogTable(sql)
        records = [record(1000 * int(p) + i, p) for p, n in PROVINCES.items() for i in range(n)]
        for n, r in enumerate(records):
            await transparency.stage(log, f"{r['payment_id']}:paid", Position(1, n + 1), r)
        await transparency.seal(log, Position(1, 10_000))
        await transparency.sign_checkpoint(log, projector_state(app).tlog)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def serve_axe(page: Page, base: str) -> None:
    """axe-core from the page's own origin, so the portal's policy ('self' scripts only) stays in force."""
    await page.route(f"{base}/__axe.min.js", lambda route: route.fulfill(
        path=str(AXE), content_type="text/javascript", headers={"X-Content-Type-Options": "nosniff"}))


def watch_policy(page: Page, into: list[str]) -> None:
    page.on("console", lambda m: into.append(f"{page.url}: {m.text}") if "Content Security Policy" in m.text else None)


async def serious_violations(page: Page, base: str) -> list[str]:
    await page.add_script_tag(url=f"{base}/__axe.min.js")
    result = await page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in result
            if v["impact"] in ("serious", "critical")]


async def test_every_page_fits_the_screen_and_has_no_serious_accessibility_problem(portal):
    base = portal
    ARTIFACTS.mkdir(exist_ok=True)
    problems: list[str] = []
    blocked: list[str] = []  # what the Content-Security-Policy refused: an inline script or style left behind
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for device, (width, height) in VIEWPORTS.items():
            context = await browser.new_context(viewport={"width": width, "height": height})
            page = await context.new_page()
            await serve_axe(page, base)
            watch_policy(page, blocked)
            for lang in ("id", "en"):
                for path in PAGES:
                    where = f"{path}?lang={lang} at {width}px"
                    answer = await page.goto(f"{base}{path}?lang={lang}")
                    assert answer is not None
                    assert answer.headers["content-type"].startswith("text/html"), where
                    assert await page.locator("html").get_attribute("lang") == lang, where
                    scroll, inner = await page.evaluate(
                        "[document.documentElement.scrollWidth, window.innerWidth]")
                    if scroll > inner:
                        problems.append(f"{where}: {scroll} px wide")
                    footer = await page.inner_text("footer")
                    if not footer.startswith("Data per " if lang == "id" else "Data as of "):
                        problems.append(f"{where}: no data time ({footer!r})")
                    if await page.locator("script:not([src])").count():
                        problems.append(f"{where}: inline script")
                    name = re.sub(r"\W+", "-", path.strip("/")) or "overview"
                    await page.screenshot(path=str(ARTIFACTS / f"portal-{name}-{lang}-{device}.png"),
                                          full_page=True)
                    problems += [f"{where}: {v}" for v in await serious_violations(page, base)]
            await context.close()
        await browser.close()
    assert problems + blocked == [], "\n".join(problems + blocked)


ID_GROUPING = re.compile(r"\d\.\d{3}\b")
EN_GROUPING = re.compile(r"\d,\d{3}\b")


async def test_numbers_are_written_the_way_each_language_writes_them(portal):
    base = portal
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 360, "height": 740})
        for lang, own, other in (("id", ID_GROUPING, EN_GROUPING), ("en", EN_GROUPING, ID_GROUPING)):
            sep = "." if lang == "id" else ","
            seen = {}
            for path in ("/", "/wilayah", "/program/PKH", "/csr", "/usaha-sosial", "/kemitraan", "/checkpoint"):
                await page.goto(f"{base}{path}?lang={lang}")
                text = await page.inner_text("main")
                assert other.findall(text) == [], f"{path}?lang={lang} mixes formats"
                if path != "/checkpoint":  # its sizes are below a thousand
                    assert own.search(text), f"{path}?lang={lang} shows a grouped number"
                seen[path] = text
            households = sum(PROVINCES.values())
            assert f"Rp\u00a0{households * AMOUNT:,}".replace(",", sep) in seen["/"]
            assert f"{households:,}".replace(",", sep) in seen["/"]
            assert f"Rp\u00a012{sep}500{sep}000{sep}000{sep}000" in seen["/csr"]
            assert f"1{sep}234" in seen["/usaha-sosial"], "counts too, not only money"
            # money never breaks between "Rp" and its digits, even the widest on the narrowest screen
            await page.goto(f"{base}/csr?lang={lang}")
            lines = await page.locator("main td.num", has_text="Rp").evaluate_all("""cells => cells.map(c => {
                const text = document.createRange(); text.selectNodeContents(c);
                return new Set([...text.getClientRects()].map(r => Math.round(r.top))).size; })""")
            assert len(lines) == 6
            assert set(lines) == {1}, "each amount stays on one line"
        await browser.close()


async def test_the_menu_folds_on_a_phone_without_javascript_and_stays_open_on_a_desktop(portal):
    base = portal
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        phone = await browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
        page = await phone.new_page()
        await page.goto(f"{base}/?lang=en")
        link = page.locator("nav a", has_text="Partnerships")
        assert not await link.is_visible()
        await page.click("summary:has-text('Menu')")
        await link.wait_for(state="visible")
        await link.click()
        await page.wait_for_url(f"{base}/kemitraan?lang=en")
        desktop = await browser.new_context(viewport={"width": 1280, "height": 800}, java_script_enabled=False)
        page = await desktop.new_page()
        await page.goto(f"{base}/")
        assert await page.locator("nav a", has_text="Kemitraan").is_visible()
        assert not await page.locator("summary", has_text="Menu").is_visible()
        await browser.close()


async def test_chart_words_are_page_text_no_larger_than_headings_and_say_what_is_left_out(portal):
    base = portal
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for width, height in ((360, 740), (1280, 800)):
            page = await browser.new_page(viewport={"width": width, "height": height})
            await page.goto(f"{base}/?lang=id")
            sizes = await page.evaluate("""() => {
                const px = s => parseFloat(getComputedStyle(document.querySelector(s)).fontSize);
                return {label: px('.bars .bar-label'), h2: px('main h2'), body: px('main p')};
            }""")
            assert 14 <= sizes["label"] <= sizes["h2"], sizes
            assert sizes["label"] <= sizes["body"] * 1.1, sizes
            assert await page.locator(".bars li").count() == 12
            note = page.locator("figure .note", has_text="Menampilkan 12 teratas dari 14")
            await note.locator("a[href='#provinces']").click()
            assert await page.locator("#provinces tbody tr").count() == 14
            await page.goto(f"{base}/wilayah/35?lang=id")
            label = page.locator(".bars .bar-label").first
            assert await label.inner_text() == "Kota Surabaya"
            assert await label.evaluate("e => e.scrollWidth <= e.parentElement.clientWidth")
            await page.close()
        await browser.close()


async def test_a_bad_address_answers_a_page_in_the_visitors_language_and_apis_keep_problems(portal):
    base = portal
    async with httpx.AsyncClient(base_url=base) as client:
        browser_accept = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
        page = await client.get("/tidak-ada", headers={**browser_accept, "accept-language": "id-ID,id;q=0.9"})
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        assert "Halaman tidak ditemukan" in page.text
        assert '<html lang="id">' in page.text
        english = await client.get("/tidak-ada", headers={**browser_accept, "accept-language": "en-GB,en"})
        assert (english.status_code, "Page not found" in english.text) == (404, True)
        asked = await client.get("/program/NOPE?lang=en", headers=browser_accept)
        assert (asked.status_code, "Page not found" in asked.text) == (404, True)
        bad_lang = await client.get("/csr?lang=fr", headers=browser_accept)
        assert bad_lang.status_code == 422
        assert "Alamat tidak dapat dipahami" in bad_lang.text
        api = await client.get("/transparency/receipts/nope", headers=browser_accept)
        assert api.headers["content-type"] == "application/problem+json"
        plain = await client.get("/tidak-ada")
        assert (plain.status_code, plain.headers["content-type"]) == (404, "application/problem+json")
        for answer in (page, api, plain, await client.get("/"), await client.get("/static/style.css")):
            csp = answer.headers["content-security-policy"]
            assert "script-src 'self';" in csp
            assert "'unsafe-inline'" not in csp
            assert "frame-ancestors 'none'" in csp
            assert answer.headers["x-content-type-options"] == "nosniff"
            assert answer.headers["x-frame-options"] == "DENY"
            assert answer.headers["referrer-policy"] == "strict-origin-when-cross-origin"
