"""The canvas and map pages against the projector and a real PostgreSQL: one household count on the home page
and the canvas, approved programs only, as of a day, both languages, SVG downloads that parse, choropleths of
coverage and rupiah per household with their table, and payments over time."""

import re
from xml.etree import ElementTree

import httpx
import pytest
from lxml import html

from canvas_projector.bootstrap import create_app
from canvas_projector.config import Settings

from .seed_portal import seed

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
async def client(database_url, kafka_bootstrap, tmp_path):
    settings = Settings(database_url=database_url, kafka_bootstrap_servers=kafka_bootstrap, relay_enabled=False,
                        auth_required=False, tlog_signing_key_path=str(tmp_path / "k.pem"))
    app = create_app(settings, consumers=False)  # no consumers: the handlers are fed directly
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://projector") as c:
        await seed(app)
        yield c


def cls(name: str) -> str:
    """XPath for elements with this class."""
    return f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]"


def text(page: httpx.Response, xpath: str) -> str:
    return " ".join(html.fromstring(page.text).xpath(xpath)[0].text_content().split()).replace("\xa0", " ")


async def test_the_canvas_counts_the_households_the_home_page_counts(client):
    home = await client.get("/")
    canvas = await client.get("/kanvas")
    api = (await client.get("/canvas")).json()
    cards = {card.xpath("div")[0].text_content(): card.xpath("div")[1].text_content()
             for card in html.fromstring(home.text).xpath(cls("card"))}
    # summing regions would count the household that moved twice (34); summing programs, 45
    assert cards["Rumah tangga penerima"] == text(canvas, "//*[@id='households-reached']") == "33"
    assert api["households"] == 33, "each household once: 20 + 10 + 3, not the programs' 20 + 25"
    segments = api["blocks"]["customer_segments"][0]
    assert segments["params"] == {"households": 33, "provinces": 3}
    assert (await client.get("/canvas", params={"program": "BPNT"})).json()["households"] == 25, \
        "BPNT: 12 + 11 + 3, less the household whose only payment came back"


async def test_the_canvas_page_has_the_nine_blocks_in_the_standard_order_with_plain_words(client):
    page = await client.get("/kanvas")
    assert page.status_code == 200
    doc = html.fromstring(page.text)
    assert [s.get("data-block") for s in doc.xpath(cls("bmc-block"))] == [
        "key_partners", "key_activities", "key_resources", "value_propositions", "customer_relationships",
        "channels", "customer_segments", "cost_structure", "revenue_streams"]
    assert [h.text_content() for h in doc.xpath(cls("bmc-block") + "/h2")][:3] == [
        "Mitra utama", "Kegiatan utama", "Sumber daya utama"]
    # Pangan Baru is CSR-funded: its value proposition is CSR's; the rest comes from the register
    assert {li.get("data-approach") for li in doc.xpath(cls("bmc-block") + "//li[@data-approach]")} == {"dtsen", "csr"}
    legend = [" ".join(li.text_content().split()) for li in doc.xpath(cls("legend") + "//li")]
    assert len(legend) == 4
    assert legend[1] == "C CSR perusahaan"
    body = page.text
    assert ".events" not in body
    assert "transparency log" not in body
    assert "hh_" not in body
    assert "Bagaimana program tetap berjalan" in body
    assert '<link rel="stylesheet" href="/static/canvas.css">' in body
    css = await client.get("/static/canvas.css")
    assert css.status_code == 200
    assert "@media print" in css.text
    english = await client.get("/kanvas", params={"lang": "en"})
    assert "Key partners" in english.text
    assert "How the program keeps going" in english.text
    assert "33 households received aid in 3 provinces" in " ".join(english.text.split())


async def test_the_program_switch_lists_approved_programs_as_of_the_day(client):
    page = await client.get("/kanvas", params={"as_of": "2026-11-30"})
    options = [o.get("value") for o in html.fromstring(page.text).xpath("//*[@id='program']/option")]
    assert options == ["platform", "BPNT", "PKH"], "Pangan Baru was approved on 5 December"
    later = await client.get("/kanvas")
    assert "PANGAN-BARU" in [o.get("value") for o in html.fromstring(later.text).xpath("//*[@id='program']/option")]
    assert (await client.get("/kanvas", params={"program": "PANGAN-BARU", "as_of": "2026-11-30"})).status_code == 404
    draft = await client.get("/canvas", params={"program": "DRAFT"})
    assert draft.status_code == 404
    assert draft.json()["errors"][0]["field"] == "program"
    pkh = await client.get("/kanvas", params={"program": "PKH", "as_of": "2026-09-30"})
    assert text(pkh, "//*[@id='households-reached']") == "20"
    assert "Program Keluarga Harapan" in text(pkh, "//h1")
    assert "2026-09-30" in text(pkh, "//h1")
    assert "Rp 15.000.000" in text(pkh, "//*[@id='bmc-cost_structure']"), "September only: 20 x 750,000"


async def test_the_canvas_downloads_as_svg(client):
    response = await client.get("/kanvas.svg", params={"program": "BPNT", "lang": "en"})
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert 'filename="kanvas-BPNT-' in response.headers["content-disposition"]
    root = ElementTree.fromstring(response.content)
    assert len([g for g in root.iter(f"{SVG}g") if g.get("class") == "block"]) == 9
    words = " ".join(root.itertext())
    assert "Bantuan Pangan Non-Tunai" in words
    assert "How the program keeps going" in words


async def test_the_coverage_map_and_its_table(client):
    page = await client.get("/peta")
    assert page.status_code == 200
    doc = html.fromstring(page.text)
    svg = doc.xpath("//svg" + "[contains(@class, 'map')]")[0]
    paths = {p.get("data-code"): p.get("fill") for p in svg.iter("path")}
    assert len(paths) == 38
    # Jawa Barat: 20 reached / 40 desil 1-4 = 50%; Jawa Tengah: 11 / 44 = 25%; Jawa Timur: 3 reached, hidden
    assert (paths["32"], paths["33"], paths["35"], paths["11"]) == ("#41b6c4", "#a1dab4", "#bdbdbd", "#f2f2f2")
    rows = {r[0]: r[1:] for r in ([" ".join(td.text_content().split()) for td in tr.xpath("td")]
                                  for tr in doc.xpath(cls("table-alternative") + "//tbody/tr"))}
    # 20 x (2 x 750,000) from PKH and 11 x 200,000 from BPNT, over 20 households
    assert [c.replace("\xa0", " ") for c in rows["Jawa Barat"]] == ["20", "40", "50%", "Rp 1.610.000"]
    assert "Cahya DSN" in text(page, cls("attribution"))
    regencies = html.fromstring((await client.get("/peta", params={"level": "regency"})).text)
    regency_map = regencies.xpath("//svg" + "[contains(@class, 'map')]")[0]
    fills = {p.get("data-code"): p.get("fill") for p in regency_map.iter("path")}
    assert len(fills) == 514
    assert fills["32.73"] == "#41b6c4"


async def test_the_amount_map_for_one_program_in_english(client):
    page = await client.get("/peta", params={"measure": "per_household", "program": "BPNT", "lang": "en"})
    doc = html.fromstring(page.text)
    legend = [" ".join(li.text_content().split()) for li in doc.xpath(cls("map-legend") + "/li")]
    assert legend[-2:] == ["Not shown (fewer than 10 households reached)", "No payments"]
    rows = {r[0]: r[1:] for r in ([" ".join(td.text_content().split()) for td in tr.xpath("td")]
                                  for tr in doc.xpath(cls("table-alternative") + "//tbody/tr"))}
    jatim = rows["Jawa Timur"]
    assert (jatim[0], jatim[-1]) == ("< 10", "\u2014"), "3 households: neither count nor amount"
    download = await client.get("/peta.svg", params={"level": "regency", "measure": "per_household"})
    assert len(list(ElementTree.fromstring(download.content).iter(f"{SVG}path"))) == 514


async def test_payments_over_time_per_approved_program(client):
    page = await client.get("/peta", params={"lang": "en"})
    doc = html.fromstring(page.text)
    chart = doc.xpath("//svg" + "[contains(@class, 'chart')]")[0]
    assert [p.text_content() for p in chart.iter("polyline")] == ["Bantuan Pangan Non-Tunai",
                                                                 "Program Keluarga Harapan"]
    ticks = [t.text_content() for t in chart.iter("text") if t.get("class") == "tick"]
    assert ticks == ["Sep 2026", "Oct 2026", "Nov 2026"]
    table = doc.xpath(cls("table-alternative"))[1]
    rows = [[" ".join(c.text_content().split()).replace("\xa0", " ") for c in tr.xpath("td")]
            for tr in table.xpath(".//tbody/tr")]
    assert rows[0][0] == "Sep 2026"
    assert rows[0][2] == "Rp 15,000,000", "in English, English digit grouping"
    # November: 26 BPNT payments of 200,000; the return on the 25th is in November too
    assert rows[2][1] == "Rp 5,000,000"
    assert re.search(r"Pangan Baru", page.text), "approved later, but listed in the program switch"
