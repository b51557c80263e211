"""The boundaries the maps are drawn from: package data (`canvas_projector/data/geo/`, MIT, attribution in its
README), read once."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files

from canvas_projector.domain.maps import Boundary

ATTRIBUTION = ("Boundaries: wilayah_boundaries \u00a9 Cahya DSN (MIT License), "
               "github.com/cahyadsn/wilayah_boundaries, simplified.")


@cache
def boundaries(level: str) -> tuple[Boundary, ...]:
    """Provinces (`"province"`) or regencies and cities (`"regency"`), by Kepmendagri code."""
    name = {"province": "provinces.geojson", "regency": "regencies.geojson"}[level]
    data = json.loads(files("canvas_projector").joinpath("data", "geo", name).read_text(encoding="utf-8"))
    return tuple(Boundary(f["properties"]["code"], f["properties"]["name"],
                          tuple(tuple(tuple((float(x), float(y)) for x, y in ring) for ring in polygon)
                                for polygon in f["geometry"]["coordinates"]))
                 for f in data["features"])
