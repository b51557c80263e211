"""Make the portal's boundary files from the reference GeoJSON (a developer tool, never run by the service).

    python tools/simplify_geo.py SOURCE_DIR OUT_DIR

Douglas-Peucker per ring (tolerance in degrees), rings that collapse are dropped, islets under a minimum area
are dropped (the largest part of every feature is always kept), coordinates are rounded. Codes and names are
kept exactly as they are (Kepmendagri codes, `"32"`, `"32.73"`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

Point = tuple[float, float]

#: file -> (tolerance in degrees, minimum part area in square degrees, decimals)
SETTINGS = {"provinces": (0.025, 0.004, 2), "regencies": (0.02, 0.002, 2)}


def _dp(points: list[Point], tolerance: float) -> list[Point]:
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        norm = (dx * dx + dy * dy) ** 0.5
        worst, index = 0.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            d = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / norm if norm else ((px - x1) ** 2 + (py - y1) ** 2) ** 0.5
            if d > worst:
                worst, index = d, i
        if worst > tolerance and index > 0:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def _area(ring: list[Point]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False))) / 2


def _ring(ring: list[list[float]], tolerance: float, decimals: int) -> list[list[float]] | None:
    # split the closed ring in two so that Douglas-Peucker keeps a real shape
    pts = [(p[0], p[1]) for p in ring[:-1]]
    if len(pts) < 3:
        return None
    half = len(pts) // 2
    simplified = _dp(pts[: half + 1], tolerance)[:-1] + _dp(pts[half:] + [pts[0]], tolerance)[:-1]
    out: list[list[float]] = []
    for x, y in simplified:
        q = [round(x, decimals), round(y, decimals)]
        if not out or out[-1] != q:
            out.append(q)
    if len(out) < 3:
        return None
    return [*out, out[0]]


def simplify(feature: dict, tolerance: float, min_area: float, decimals: int) -> dict:
    geometry = feature["geometry"]
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    polygons = sorted(polygons, key=lambda p: -_area([(q[0], q[1]) for q in p[0]]))
    kept = []
    for n, polygon in enumerate(polygons):
        if n and _area([(q[0], q[1]) for q in polygon[0]]) < min_area:
            continue
        outer = _ring(polygon[0], tolerance, decimals)
        if outer is None:
            if n:
                continue
            outer = [[round(x, decimals), round(y, decimals)] for x, y in polygon[0]]
        holes = [h for h in (_ring(r, tolerance, decimals) for r in polygon[1:]
                             if _area([(q[0], q[1]) for q in r]) >= min_area) if h]
        kept.append([outer, *holes])
    return {"type": "Feature", "properties": {"code": feature["properties"]["code"],
                                              "name": feature["properties"]["name"]},
            "geometry": {"type": "MultiPolygon", "coordinates": kept}}


def main(source: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, (tolerance, min_area, decimals) in SETTINGS.items():
        data = json.loads((source / f"{name}.geojson").read_text())
        features = [simplify(f, tolerance, min_area, decimals) for f in data["features"]]
        text = json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
        (out / f"{name}.geojson").write_text(text)
        print(name, len(features), len(text))  # noqa: T201


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
