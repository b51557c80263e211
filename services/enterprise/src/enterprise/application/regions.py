"""The Kepmendagri 2025 region reference (`gotong.reference`), read once and handed to the domain's rule."""

from __future__ import annotations

import functools
import logging

from enterprise.domain.regions import Regions
from gotong.reference import region_names

log = logging.getLogger("enterprise")


@functools.cache
def regions() -> Regions:
    names = region_names(max_level=4)
    if not names:
        log.warning("region reference data not found; region codes are checked by shape only")
    return Regions(names)


def check_region(code: str, field: str = "region_code") -> tuple[str, str, str]:
    """(code, province, regency) for a regency, district or village code that exists."""
    return regions().check(code, field)


def region_name(code: str) -> str | None:
    return regions().name(code)
