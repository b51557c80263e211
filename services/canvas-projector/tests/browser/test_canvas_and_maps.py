"""The canvas and map pages in a real browser (Debian's Chromium via Playwright) on a phone (390 px) and a desktop
(1280 px): the nine blocks in the standard order and places, the maps and the time chart drawn with JavaScript
off, and the printout holding only the canvas. Screenshots go to test-artifacts/."""

import asyncio

import pytest
import uvicorn
from playwright.async_api import Page, async_playwright

from canvas_projector.bootstrap import create_app
from canvas_projector.config import Settings
from gotong.infra.embedded import free_port

from ..integration.seed_portal import seed  # noqa: TID252 - the seed both the integration and browser tests use
from .test_portal import ARTIFACTS, CHROMIUM_ARGS

STANDARD = ["key_partners", "key_activities", "key_resources", "value_propositions", "customer_relationships",
            "channels", "customer_segments", "cost_structure", "revenue_streams"]


@pytest.fixture
async def base(database_url, kafka_bootstrap, tmp_path):
    settings = Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap, auth_required=False,
                        tlog_signing_key_path=str(tmp_path / "tlog.pem"), relay_enabled=False)
    app = create_app(settings, consumers=False)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_config=None))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    await seed(app)
    yield f"http://127.0.0.1:{server.config.port}"
    server.should_exit = True
    await task


async def boxes(page: Page) -> dict[str, dict[str, float]]:
    return await page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('.bmc-block')].map(
        e => { const r = e.getBoundingClientRect(); return [e.dataset.block, {x: r.x, y: r.y, w: r.width}]; }))""")


async def wider(page: Page, width: int) -> list[str]:
    """What sticks out past the screen's right edge (for the failure message)."""
    return await page.evaluate(f"""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > {width} + 1).map(e => e.tagName + '.' + e.className)""")


async def test_the_canvas_in_the_standard_layout_on_a_desktop_and_in_reading_order_on_a_phone(base):
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        desktop = await browser.new_page(viewport={"width": 1280, "height": 900})
        await desktop.goto(f"{base}/kanvas")
        await desktop.locator("#households-reached").wait_for()
        assert await desktop.locator(".bmc-block").evaluate_all("els => els.map(e => e.dataset.block)") == STANDARD
        b = await boxes(desktop)
        # top: partners | activities over resources | value | relationships over channels | segments
        assert b["key_partners"]["x"] < b["key_activities"]["x"] < b["value_propositions"]["x"] \
            < b["customer_relationships"]["x"] < b["customer_segments"]["x"]
        assert b["key_activities"]["x"] == b["key_resources"]["x"]
        assert b["key_activities"]["y"] < b["key_resources"]["y"]
        assert b["customer_relationships"]["x"] == b["channels"]["x"]
        assert b["customer_relationships"]["y"] < b["channels"]["y"]
        # bottom: cost structure and revenue streams side by side, below everything else
        assert b["cost_structure"]["y"] == b["revenue_streams"]["y"] > b["key_resources"]["y"]
        assert b["cost_structure"]["x"] < b["revenue_streams"]["x"]
        assert "33" == await desktop.inner_text("#households-reached")
        await desktop.screenshot(path=str(ARTIFACTS / "canvas-1280.png"), full_page=True)

        await desktop.emulate_media(media="print")
        assert not await desktop.locator("header").is_visible(), "the printout holds only the canvas"
        assert not await desktop.locator("form.controls").is_visible()
        await desktop.pdf(path=str(ARTIFACTS / "canvas-print.pdf"), landscape=True, print_background=True)
        await desktop.emulate_media(media="screen")

        phone = await browser.new_page(viewport={"width": 390, "height": 844})
        await phone.goto(f"{base}/kanvas?lang=en")
        await phone.locator("#households-reached").wait_for()
        b = await boxes(phone)
        ys = [b[block]["y"] for block in STANDARD]
        assert ys == sorted(ys), "one column, in the standard reading order"
        assert all(box["w"] <= 390 for box in b.values())
        assert await phone.evaluate("document.documentElement.scrollWidth") <= 390, await wider(phone, 390)
        assert "Key partners" in await phone.inner_text("#bmc-key_partners")
        await phone.screenshot(path=str(ARTIFACTS / "canvas-390.png"), full_page=True)
        await browser.close()


async def test_the_maps_and_the_time_chart_render_without_javascript(base):
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for width, height in ((390, 844), (1280, 900)):
            context = await browser.new_context(viewport={"width": width, "height": height},
                                                java_script_enabled=False)
            page = await context.new_page()
            await page.goto(f"{base}/peta")
            provinces = page.locator("svg.map path")
            await provinces.first.wait_for()
            assert await provinces.count() == 38
            box = await page.locator("svg.map").bounding_box()
            assert box is not None
            figure = await page.locator("figure.map-figure").bounding_box()
            assert figure is not None
            assert 0.95 * figure["width"] <= box["width"] <= width, "the map fills its column"
            assert box["height"] > box["width"] / 4, "drawn at its aspect ratio, not collapsed"
            jabar = await page.locator('svg.map path[data-code="32"]').bounding_box()
            assert jabar is not None
            assert jabar["width"] > 0
            assert await page.locator('svg.map path[data-code="32"]').get_attribute("fill") == "#41b6c4"
            assert await page.locator("svg.chart polyline").count() == 2
            assert "Cahya DSN" in await page.inner_text(".attribution")
            assert await page.evaluate("document.documentElement.scrollWidth") <= width, await wider(page, width)
            await page.screenshot(path=str(ARTIFACTS / f"maps-{width}.png"), full_page=True)
            await page.goto(f"{base}/peta?level=regency&measure=per_household&lang=en")
            await page.locator("svg.map path").first.wait_for()
            assert await page.locator("svg.map path").count() == 514
            await page.screenshot(path=str(ARTIFACTS / f"maps-regency-{width}.png"), full_page=True)
            await context.close()
        await browser.close()
