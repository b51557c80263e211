"""Reference data beside the repository (`../shared/data`, or `GOTONG_SHARED_DATA`): region codes and names."""

from __future__ import annotations

import csv
import functools
import os
from pathlib import Path


def shared_data_dir() -> Path | None:
    env = os.environ.get("GOTONG_SHARED_DATA")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve()
    candidates += [p / "shared" / "data" for p in here.parents]  # <repo>/../shared/data, wherever installed
    return next((c for c in candidates if (c / "regions" / "regions.csv").exists()), None)


@functools.cache
def region_names(max_level: int = 2) -> dict[str, str]:
    """Kepmendagri 2025 code -> name, provinces (level 1) and regencies (level 2) by default."""
    root = shared_data_dir()
    if root is None:
        return {}
    with (root / "regions" / "regions.csv").open(encoding="utf-8") as f:
        return {r["code"]: r["name"] for r in csv.DictReader(f) if int(r["level"]) <= max_level}
