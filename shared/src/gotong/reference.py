"""Reference data shipped inside the kit (`gotong/data/`, package data): Kepmendagri 2025 region codes and
names, and 2025 population per province and regency. Licence and attribution: `gotong/data/regions/README.md`.

Nothing here reads outside the installed package. A service calls `check_reference_data()` at start-up, so an
installation that lost its data files stops with one clear message instead of answering 500 later.
"""

from __future__ import annotations

import csv
import functools
from importlib.resources import as_file, files
from pathlib import Path

REGION_FILES = ("regions.csv", "population.csv")


class ReferenceDataMissing(RuntimeError):
    """The installed package lacks a reference data file (a broken install or a stripped image)."""


@functools.cache
def regions_dir() -> Path:
    """The folder holding `regions.csv` and `population.csv` inside the installed `gotong` package."""
    resource = files("gotong") / "data" / "regions"
    with as_file(resource) as path:  # a plain folder for a normal install; wheels are not zip-imported here
        return Path(path)


def reference_file(name: str) -> Path:
    path = regions_dir() / name
    if not path.is_file():
        raise ReferenceDataMissing(
            f"reference data file {name} is missing from the installed gotong package (expected at {path}); "
            "reinstall the package — it ships Kepmendagri 2025 regions as package data")
    return path


def check_reference_data() -> None:
    """Raise ReferenceDataMissing naming the first missing file (called when a service starts)."""
    for name in REGION_FILES:
        reference_file(name)


@functools.cache
def region_rows() -> tuple[tuple[str, str, int], ...]:
    """Every region as (code, name, level): 1 province, 2 regency, 3 district, 4 village."""
    with reference_file("regions.csv").open(encoding="utf-8") as f:
        return tuple((r["code"], r["name"], int(r["level"])) for r in csv.DictReader(f))


@functools.cache
def region_names(max_level: int = 2) -> dict[str, str]:
    """Kepmendagri 2025 code -> name, provinces (level 1) and regencies (level 2) by default."""
    return {code: name for code, name, level in region_rows() if level <= max_level}


@functools.cache
def regency_population() -> dict[str, int]:
    """2025 population per regency/city code (`32.73`)."""
    with reference_file("population.csv").open(encoding="utf-8") as f:
        return {r["code"]: int(r["total"]) for r in csv.DictReader(f) if r["code"].count(".") == 1}
