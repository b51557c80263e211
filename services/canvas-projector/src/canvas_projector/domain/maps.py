"""Choropleth maps of provinces and regencies as SVG, drawn on the server (no JavaScript). Pure: the boundaries
are handed in (`Boundary`), already read from the package data by an adapter.

Two measures per area: coverage (households reached / desil 1-4 households in the register) and rupiah per
household reached. Areas with fewer than MIN_CELL households reached are not coloured or published.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from math import cos, radians
from typing import Literal

from canvas_projector.domain.figures import MIN_CELL

Measure = Literal["coverage", "per_household"]
Ring = Sequence[tuple[float, float]]
Polygon = Sequence[Ring]  # an exterior ring, then holes

#: A colour-blind safe sequential palette (ColorBrewer YlGnBu, 5 classes); grey where nothing is published.
PALETTE = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
HIDDEN, NO_DATA = "#bdbdbd", "#f2f2f2"
#: Coverage classes are fixed so two maps can be compared: under 20%, 20-40%, 40-60%, 60-80%, 80% and more.
COVERAGE_BREAKS = (0.2, 0.4, 0.6, 0.8)


@dataclass(frozen=True)
class Boundary:
    code: str  # Kepmendagri code: "32", "32.73"
    name: str
    polygons: Sequence[Polygon]


@dataclass(frozen=True)
class AreaFigures:
    code: str
    households: int  # reached: net payment positive
    amount: int  # net rupiah
    registered: int  # desil 1-4 households in the register

    @property
    def published(self) -> bool:
        return self.households >= MIN_CELL

    @property
    def coverage(self) -> float | None:
        return self.households / self.registered if self.published and self.registered else None

    @property
    def per_household(self) -> int | None:
        return self.amount // self.households if self.published else None

    def value(self, measure: Measure) -> float | None:
        return self.coverage if measure == "coverage" else self.per_household


def nice(value: float) -> int:
    """A round number near `value` (1, 2 or 5 times a power of ten, at least 1), for legend breaks."""
    if value < 1:
        return 1
    magnitude = int(10 ** (len(str(int(value))) - 1))
    return min((m * magnitude for m in (1, 2, 5, 10)), key=lambda c: abs(c - value))


def quantile_breaks(values: Sequence[float], classes: int = len(PALETTE)) -> tuple[float, ...]:
    """Up to classes-1 rising, distinct round thresholds that split the values into groups of similar size."""
    ordered = sorted(values)
    if len(ordered) < 2:
        return ()
    breaks: list[float] = []
    for k in range(1, classes):
        b = float(nice(ordered[min(len(ordered) - 1, k * len(ordered) // classes)]))
        if b > ordered[0] and (not breaks or b > breaks[-1]):
            breaks.append(b)
    return tuple(breaks)


def classify(value: float | None, breaks: Sequence[float]) -> int | None:
    """The class of a value: 0 below the first break, len(breaks) at or above the last; None for no value."""
    if value is None:
        return None
    return sum(value >= b for b in breaks)


def breaks_for(measure: Measure, areas: Sequence[AreaFigures]) -> tuple[float, ...]:
    if measure == "coverage":
        return COVERAGE_BREAKS
    return quantile_breaks([v for a in areas if (v := a.per_household) is not None])


@dataclass(frozen=True)
class Frame:
    """An equirectangular projection of Indonesia's extent onto a viewBox `width` wide (north up)."""

    west: float = 94.7
    east: float = 141.3
    south: float = -11.3
    north: float = 6.4
    width: int = 1000

    @property
    def scale(self) -> float:
        return self.width / ((self.east - self.west) * cos(radians((self.north + self.south) / 2)))

    @property
    def height(self) -> int:
        return round((self.north - self.south) * self.scale)

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        k = cos(radians((self.north + self.south) / 2)) * self.scale
        return round((lon - self.west) * k, 1), round((self.north - lat) * self.scale, 1)


def path_data(polygons: Sequence[Polygon], frame: Frame) -> str:
    """SVG path data for a (multi)polygon: one closed subpath per ring (the even-odd rule makes the holes)."""
    parts = []
    for polygon in polygons:
        for ring in polygon:
            points = [frame.point(lon, lat) for lon, lat in ring]
            parts.append("M" + " ".join(f"{x:g},{y:g}" for x, y in points) + "Z")
    return "".join(parts)


def choropleth_svg(boundaries: Sequence[Boundary], figures: dict[str, AreaFigures], measure: Measure,
                   breaks: Sequence[float], describe: dict[str, str], title: str, credit: str = "",
                   frame: Frame = Frame()) -> str:
    """The map: each area filled by its class, with a tooltip (`describe[code]`, the area's figures in words)
    and the boundaries' credit line at the bottom."""
    paths = []
    for b in boundaries:
        area = figures.get(b.code)
        value = area.value(measure) if area else None
        cls = classify(value, breaks)
        fill = PALETTE[cls] if cls is not None else HIDDEN if area and area.households else NO_DATA
        paths.append(f'<path data-code="{escape(b.code)}" fill="{fill}" d="{path_data(b.polygons, frame)}">'
                     f'<title>{escape(b.name)}: {escape(describe.get(b.code, ""))}</title></path>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" class="map" '
            f'viewBox="0 0 {frame.width} {frame.height + 24}" width="100%"><title>{escape(title)}</title>'
            f'<g stroke="#555" stroke-width="0.4" fill-rule="evenodd">{"".join(paths)}</g>'
            f'<text x="4" y="{frame.height + 18}" font-size="12" font-family="sans-serif" fill="#4a5561">'
            f'{escape(credit)}</text></svg>')


def legend_classes(breaks: Sequence[float], write: Callable[[float], str]) -> list[tuple[str, str]]:
    """(colour, "from - to") per class, the numbers written by `write`."""
    if not breaks:
        return [(PALETTE[0], "")]
    edges = [write(b) for b in breaks]
    out = [(PALETTE[0], f"< {edges[0]}")]
    out += [(PALETTE[i], f"{edges[i - 1]} \u2013 < {edges[i]}") for i in range(1, len(edges))]
    return [*out, (PALETTE[len(edges)], f"\u2265 {edges[-1]}")]
