"""The canvas download and the payments-over-time chart: well-formed SVG (parsed by an XML parser), the nine
blocks in the standard layout, each item's approach mark and the legend; a time axis with every month."""

from xml.etree import ElementTree

from canvas_projector.domain.canvas import LAYOUT, STANDARD_ORDER, Facts, Reach, build_canvas
from canvas_projector.domain.canvas_svg import COLOURS, canvas_svg
from canvas_projector.domain.charts import compact_rupiah, months_between, nice_ceiling, time_chart_svg

SVG = "{http://www.w3.org/2000/svg}"
TITLES = {b: f"Block {b} & co" for b in STANDARD_ORDER}
NAMES = {"dtsen": "DTSEN", "csr": "CSR", "social-enterprise": "Social enterprise", "triple-helix": "Triple Helix"}


def facts() -> Facts:
    return Facts(programs=[{"code": "PKH", "name": "PKH <Harapan>", "funding_source": "apbn"}],
                 platform=Reach(1_492, 1_119_000_000, 3), paid={"PKH": Reach(1_492, 1_119_000_000, 3)},
                 companies=3, pledging_companies=2, csr={"deposit": 10, "pledge": 20},
                 partners_by_strand={"campus": 1}, projects=1)


def test_the_canvas_svg_has_the_nine_blocks_in_the_standard_places():
    svg = canvas_svg(build_canvas(facts()), "en", TITLES, NAMES, "Canvas", ["How the program keeps going"])
    root = ElementTree.fromstring(svg)
    groups = [g for g in root.iter(f"{SVG}g") if g.get("class") == "block"]
    assert [g.get("data-block") for g in groups] == list(STANDARD_ORDER)
    rects = {g.get("data-block"): g.find(f"{SVG}rect") for g in groups}
    x = {b: float(r.get("x")) for b, r in rects.items()}
    y = {b: float(r.get("y")) for b, r in rects.items()}
    assert x["key_partners"] < x["key_activities"] == x["key_resources"] < x["value_propositions"] \
        < x["customer_relationships"] == x["channels"] < x["customer_segments"]
    assert y["key_activities"] < y["key_resources"]
    assert y["customer_relationships"] < y["channels"]
    assert y["cost_structure"] == y["revenue_streams"] > y["key_resources"]
    assert x["cost_structure"] < x["revenue_streams"]
    for cell in LAYOUT:
        assert float(rects[cell.block].get("width")) == cell.columns * 124
    text = " ".join(root.itertext()).replace("\xa0", " ")
    assert "Block key_partners & co" in text
    assert "1,492 households received aid" in text
    assert "PKH <Harapan>" in text, "escaped on the way in, readable on the way out"
    assert all(n in text for n in NAMES.values()), "the legend names every approach"
    fills = {r.get("fill") for r in root.iter(f"{SVG}rect")}
    assert {COLOURS["dtsen"], COLOURS["csr"], COLOURS["triple-helix"]} <= fills


def test_the_canvas_svg_in_indonesian():
    svg = canvas_svg(build_canvas(facts()), "id", TITLES, NAMES, "Kanvas")
    assert "1.492 rumah tangga menerima" in " ".join(ElementTree.fromstring(svg).itertext())


def test_months_on_the_time_axis_include_months_without_payments():
    assert months_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert months_between("2026-03", "2026-03") == ["2026-03"]


def test_the_time_chart_is_well_formed_with_one_line_per_program():
    series = {"PKH": [("2026-09", 3_000_000), ("2026-11", 7_500_000)], "BPNT <x>": [("2026-10", 1_000_000)]}
    root = ElementTree.fromstring(time_chart_svg(series, "Payments over time", "en"))
    lines = list(root.iter(f"{SVG}polyline"))
    assert [p.find(f"{SVG}title").text for p in lines] == ["PKH", "BPNT <x>"]
    pkh = [tuple(map(float, xy.split(","))) for xy in lines[0].get("points").split()]
    assert len(pkh) == 3, "September, October (nothing paid) and November"
    assert pkh[0][0] < pkh[1][0] < pkh[2][0], "time runs left to right"
    assert pkh[1][1] > pkh[0][1] > pkh[2][1], "October's zero is lowest, November's 7.5M highest"
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "tick"]
    assert ticks == ["Sep 2026", "Oct 2026", "Nov 2026"]
    assert "Rp 10M" in " ".join(root.itertext()), "the axis tops out at a round 10 million"
    assert time_chart_svg(series, "Pembayaran", "id").count("Okt 2026") >= 1


def test_compact_rupiah_and_round_axis_tops():
    assert compact_rupiah(1_500_000_000, "id") == "Rp 1,5 M"
    assert compact_rupiah(1_500_000_000, "en") == "Rp 1.5B"
    assert compact_rupiah(7_000_000, "id") == "Rp 7 jt"
    assert compact_rupiah(0, "en") == "Rp 0"
    assert [nice_ceiling(v) for v in (0, 7, 7_500_000, 2_100, 26)] == [1, 10, 10_000_000, 2_500, 50]
