"""Map binning, projection and the choropleth SVG, and the boundary files the service ships (every Kepmendagri
province and regency, joinable by code, small, with their licence)."""

from importlib.resources import files
from xml.etree import ElementTree

import pytest

from canvas_projector.adapters.geo import ATTRIBUTION, boundaries
from canvas_projector.domain.maps import (
    COVERAGE_BREAKS,
    HIDDEN,
    NO_DATA,
    PALETTE,
    AreaFigures,
    Boundary,
    Frame,
    breaks_for,
    choropleth_svg,
    classify,
    legend_classes,
    nice,
    path_data,
    quantile_breaks,
)
from gotong.reference import region_names

SVG = "{http://www.w3.org/2000/svg}"
SQUARE = Boundary("32", "Jawa Barat", [[[(106.0, -6.0), (108.0, -6.0), (108.0, -7.0), (106.0, -7.0),
                                         (106.0, -6.0)]]])


def test_coverage_is_reached_over_registered_and_hidden_below_ten_households():
    assert AreaFigures("32", 30, 30_000_000, 120).coverage == 0.25
    assert AreaFigures("32", 30, 30_000_000, 120).per_household == 1_000_000
    small = AreaFigures("33", 9, 9_000_000, 10)
    assert (small.published, small.coverage, small.per_household) == (False, None, None)
    assert AreaFigures("34", 12, 1_200, 0).coverage is None, "no registered desil 1-4 households: no ratio"


@pytest.mark.parametrize(("value", "expected"), [(0.0, 0), (0.19, 0), (0.2, 1), (0.59, 2), (0.8, 4), (1.7, 4),
                                                 (None, None)])
def test_coverage_classes_are_fixed_fifths(value, expected):
    assert classify(value, COVERAGE_BREAKS) == expected


def test_amount_breaks_are_round_rising_and_split_the_areas():
    values = [100_000, 180_000, 240_000, 450_000, 520_000, 760_000, 910_000, 1_200_000, 2_400_000, 3_100_000]
    breaks = quantile_breaks(values)
    assert breaks == (200_000.0, 500_000.0, 1_000_000.0, 2_000_000.0)
    counts = [sum(classify(v, breaks) == k for v in values) for k in range(5)]
    assert counts == [2, 2, 3, 1, 2]
    assert sum(counts) == len(values)
    assert quantile_breaks([5.0]) == ()
    assert quantile_breaks([7.0, 7.0, 7.0]) == (), "one value: one class, no empty classes"
    assert nice(0.3) == 1
    assert nice(740) == 500
    assert nice(760) == 1000


def test_breaks_ignore_areas_that_are_not_published():
    areas = [AreaFigures(str(i), 10 + i, (10 + i) * 100_000 * (i + 1), 50) for i in range(10)]
    areas.append(AreaFigures("99", 3, 999_999_999, 5))
    assert max(breaks_for("per_household", areas)) < 999_999_999 // 3
    assert breaks_for("coverage", areas) == COVERAGE_BREAKS


def test_legend_names_every_class_and_its_bounds():
    legend = legend_classes((0.2, 0.4), lambda b: f"{b * 100:.0f}%")
    assert legend == [(PALETTE[0], "< 20%"), (PALETTE[1], "20% \u2013 < 40%"), (PALETTE[2], "\u2265 40%")]


def test_projection_puts_north_up_and_west_left():
    frame = Frame()
    (wx, ny), (ex, sy) = frame.point(frame.west, frame.north), frame.point(frame.east, frame.south)
    assert (wx, ny) == (0, 0)
    assert ex == pytest.approx(frame.width, abs=0.2)
    assert sy == pytest.approx(frame.height, abs=0.2)
    assert path_data(SQUARE.polygons, frame).startswith("M")
    assert path_data(SQUARE.polygons, frame).endswith("Z")


def test_the_choropleth_is_well_formed_svg_coloured_by_class():
    figures = {"32": AreaFigures("32", 40, 40_000_000, 100)}  # 40% coverage: class 2
    other = Boundary("33", "Jawa Tengah <&>", SQUARE.polygons)
    hidden = Boundary("35", "Jawa Timur", SQUARE.polygons)
    figures["35"] = AreaFigures("35", 4, 4_000_000, 100)
    svg = choropleth_svg([SQUARE, other, hidden], figures, "coverage", COVERAGE_BREAKS,
                         {"32": "40 rumah tangga"}, "Cakupan", ATTRIBUTION)
    root = ElementTree.fromstring(svg)  # raises on malformed XML
    assert root.tag == f"{SVG}svg"
    paths = {p.get("data-code"): p for p in root.iter(f"{SVG}path")}
    assert paths["32"].get("fill") == PALETTE[2]
    assert paths["33"].get("fill") == NO_DATA
    assert paths["35"].get("fill") == HIDDEN, "fewer than ten households: grey, no class"
    assert paths["33"].find(f"{SVG}title").text == "Jawa Tengah <&>: "
    assert "Cahya DSN" in "".join(root.itertext())


def test_the_shipped_boundaries_cover_every_province_and_regency_by_kepmendagri_code():
    names = region_names()
    provinces, regencies = boundaries("province"), boundaries("regency")
    assert len(provinces) == 38
    assert len(regencies) == 514
    assert {b.code for b in provinces} == {c for c in names if "." not in c}
    assert {b.code for b in regencies} == {c for c in names if c.count(".") == 1}
    assert all(names[b.code] == b.name for b in (*provinces, *regencies))
    data = files("canvas_projector").joinpath("data", "geo")
    assert "MIT License" in data.joinpath("LICENSE").read_text()
    assert "Cahya DSN" in data.joinpath("LICENSE").read_text()
    size = sum(len(data.joinpath(n).read_bytes()) for n in ("provinces.geojson", "regencies.geojson"))
    assert size < 500_000, "simplified to keep the package small"
    frame = Frame()
    for b in provinces:  # every province falls inside the map's frame
        xs = [frame.point(x, y)[0] for poly in b.polygons for ring in poly for x, y in ring]
        ys = [frame.point(x, y)[1] for poly in b.polygons for ring in poly for x, y in ring]
        assert min(xs) >= 0, b.code
        assert min(ys) >= 0, b.code
        assert max(xs) <= frame.width, b.code
        assert max(ys) <= frame.height, b.code


def test_a_real_province_map_parses_and_has_one_path_per_province():
    svg = choropleth_svg(boundaries("province"), {}, "coverage", COVERAGE_BREAKS, {}, "Peta", ATTRIBUTION)
    root = ElementTree.fromstring(svg)
    assert len(list(root.iter(f"{SVG}path"))) == 38
